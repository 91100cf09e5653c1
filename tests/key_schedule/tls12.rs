//! TLS 1.2 derived in the test itself (RFC 5246 §5 PRF, §8.1 master secret, §6.3 key block,
//! §7.4.9 Finished; RFC 7627 extended master secret) with ring's HMAC, digests and AEADs.

use super::wire::{clear_messages, ecdhe, extension, records, unhex};
use super::Captured;
use ring::{aead, digest, hmac};

pub fn prf(alg: hmac::Algorithm, secret: &[u8], label: &str, seed: &[u8], len: usize) -> Vec<u8> {
    let key = hmac::Key::new(alg, secret);
    let label_seed = [label.as_bytes(), seed].concat();
    let mut a = hmac::sign(&key, &label_seed).as_ref().to_vec();
    let mut out = Vec::new();
    while out.len() < len {
        out.extend_from_slice(hmac::sign(&key, &[&a[..], &label_seed].concat()).as_ref());
        a = hmac::sign(&key, &a).as_ref().to_vec();
    }
    out.truncate(len);
    out
}

/// TLS 1.2, derived here: the master secret (extended when `ems`: RFC 7627, or RFC 5246's from
/// the two randoms) against the keylog's CLIENT_RANDOM line, and both Finished messages opened
/// with the key block derived here and verified.
pub fn check_tls12(c: &Captured, group: u16, ems: bool) {
    let client = clear_messages(&c.up);
    // The server's clear messages: its first flight through ServerHelloDone, then (before its
    // ChangeCipherSpec) a NewSessionTicket if it sends one.
    let server_all = clear_messages(&c.down);
    let done = server_all
        .iter()
        .position(|m| m[0] == 14)
        .expect("ServerHelloDone");
    let (server, after_done) = server_all.split_at(done + 1);
    let (client_hello, server_hello) = (&client[0], &server[0]);
    assert!(
        extension(client_hello, 23).is_some(),
        "rustls offers the extended master secret"
    );
    assert_eq!(
        extension(server_hello, 23).is_some(),
        ems,
        "whether the server agreed to the extended master secret (ServerHello extension 0x0017)"
    );
    let sid = usize::from(server_hello[4 + 34]);
    let suite = u16::from_be_bytes([server_hello[4 + 35 + sid], server_hello[4 + 36 + sid]]);
    let (hmac_alg, dig) = if suite & 0xff == 0x30 || suite & 0xff == 0x2c {
        (hmac::HMAC_SHA384, &digest::SHA384) // …_AES_256_GCM_SHA384
    } else {
        (hmac::HMAC_SHA256, &digest::SHA256)
    };
    let hash = |messages: &[&Vec<u8>]| {
        let mut ctx = digest::Context::new(dig);
        messages.iter().for_each(|m| ctx.update(m));
        ctx.finish().as_ref().to_vec()
    };
    let ske = server
        .iter()
        .find(|m| m[0] == 12)
        .expect("ServerKeyExchange");
    assert_eq!(u16::from_be_bytes([ske[5], ske[6]]), group);
    let server_public = &ske[8..8 + usize::from(ske[7])];
    let cke_at = client
        .iter()
        .position(|m| m[0] == 16)
        .expect("ClientKeyExchange");
    let cke = &client[cke_at];
    let client_public = &cke[5..5 + usize::from(cke[4])];
    let private = c.shown("client_key_share_private");
    let (public, pre_master) = ecdhe(group, &private, server_public);
    assert_eq!(
        public, client_public,
        "the shown private key is not the ClientKeyExchange's"
    );
    assert_eq!(pre_master, c.shown("pre_master_secret"));
    let client_random = &client_hello[6..38];
    let server_random = &server_hello[6..38];
    // Transcript: ClientHello, the server's flight, the client's flight.
    let mut transcript: Vec<&Vec<u8>> = std::iter::once(client_hello).chain(server).collect();
    let master = if ems {
        // The session hash runs through the ClientKeyExchange.
        let mut upto_cke = transcript.clone();
        upto_cke.extend(&client[1..=cke_at]);
        prf(
            hmac_alg,
            &pre_master,
            "extended master secret",
            &hash(&upto_cke),
            48,
        )
    } else {
        prf(
            hmac_alg,
            &pre_master,
            "master secret",
            &[client_random, server_random].concat(),
            48,
        )
    };
    let logged = c
        .keylog
        .iter()
        .find(|(l, _, _)| l == "CLIENT_RANDOM")
        .expect("CLIENT_RANDOM");
    assert_eq!(
        unhex(&logged.1),
        client_random,
        "the keylog's client random is the ClientHello's"
    );
    assert_eq!(master, unhex(&logged.2));
    assert_eq!(master, c.shown("master_secret"));

    // Both Finished, opened with the key block derived here (RFC 5246 §6.3, RFC 5288 GCM
    // nonces: 4-byte salt + the record's explicit 8; RFC 7905 ChaCha20: iv XOR seq).
    let (alg, key_len, iv_len) = match suite {
        0xc02b | 0xc02f => (&aead::AES_128_GCM, 16, 4),
        0xc02c | 0xc030 => (&aead::AES_256_GCM, 32, 4),
        _ => (&aead::CHACHA20_POLY1305, 32, 12),
    };
    let key_block = prf(
        hmac_alg,
        &master,
        "key expansion",
        &[server_random, client_random].concat(),
        2 * (key_len + iv_len),
    );
    let open_finished = |wire: &[u8], s: usize| -> Vec<u8> {
        let key = &key_block[s * key_len..(s + 1) * key_len];
        let iv = &key_block[2 * key_len + s * iv_len..2 * key_len + (s + 1) * iv_len];
        let all = records(wire);
        let ccs = all
            .iter()
            .position(|(k, _)| *k == 20)
            .expect("ChangeCipherSpec");
        let (kind, record) = &all[ccs + 1];
        assert_eq!(
            *kind, 22,
            "the first record after ChangeCipherSpec is a handshake one"
        );
        let body = &record[5..];
        let (nonce, sealed) = if iv_len == 4 {
            ([iv, &body[..8]].concat(), &body[8..])
        } else {
            (iv.to_vec(), body) // seq 0: iv XOR 0
        };
        let mut aad = 0u64.to_be_bytes().to_vec();
        aad.extend_from_slice(&record[..3]);
        aad.extend_from_slice(&((sealed.len() - 16) as u16).to_be_bytes());
        let key = aead::LessSafeKey::new(aead::UnboundKey::new(alg, key).unwrap());
        let mut buf = sealed.to_vec();
        key.open_in_place(
            aead::Nonce::try_assume_unique_for_key(&nonce).unwrap(),
            aead::Aad::from(&aad[..]),
            &mut buf,
        )
        .expect("the write key derived here opens the Finished")
        .to_vec()
    };
    let client_finished = open_finished(&c.up, 0);
    assert_eq!(client_finished[..4], [20, 0, 0, 12]);
    transcript.extend(&client[1..]);
    let expected = prf(hmac_alg, &master, "client finished", &hash(&transcript), 12);
    assert_eq!(client_finished[4..], expected, "the client's Finished");
    let server_finished = open_finished(&c.down, 1);
    assert_eq!(server_finished[..4], [20, 0, 0, 12]);
    transcript.push(&client_finished);
    transcript.extend(after_done);
    let expected = prf(hmac_alg, &master, "server finished", &hash(&transcript), 12);
    assert_eq!(server_finished[4..], expected, "the server's Finished");
}
