//! One line per field name: what the bytes are for. Looked up by the most specific suffix of
//! the name, indices dropped: `client_hello.extensions.key_share.client_shares[0].group` finds
//! `key_share.client_shares[].group`; every `….length` not listed finds `length`.

/// What the field named `name` is for, in one line (`None` for a name no table entry covers;
/// every name the annotator makes is covered).
pub fn explain(name: &str) -> Option<&'static str> {
    let normal = without_indices(name);
    let mut rest = normal.as_str();
    loop {
        if let Some(found) = lookup(rest) {
            return Some(found);
        }
        rest = rest.split_once('.')?.1;
    }
}

/// `a[0].b[12]` → `a[].b[]`.
fn without_indices(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut in_index = false;
    for c in name.chars() {
        match c {
            '[' => {
                in_index = true;
                out.push('[');
            }
            ']' => {
                in_index = false;
                out.push(']');
            }
            _ if in_index => {}
            _ => out.push(c),
        }
    }
    out
}

fn lookup(key: &str) -> Option<&'static str> {
    TABLE.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
}

const TABLE: &[(&str, &str)] = &[
    // The record layer.
    ("record.content_type", "What the record carries: handshake (22), alert (21), change_cipher_spec (20) or application_data (23; every TLS 1.3 encrypted record says this)."),
    ("record.legacy_version", "Record-layer version: frozen at 0x0303 (TLS 1.2) for compatibility; 0x0301 in a first ClientHello is allowed."),
    ("record.length", "Length of the record's body that follows the 5-byte header (at most 2^14 plus expansion)."),
    ("record.fragment", "Bytes of the record body that could not be read as the content type says."),
    ("record.trailing_bytes", "Bytes after the length the header announced."),
    ("record.nonce_explicit", "TLS 1.2 AES-GCM: the 8 per-record bytes of the nonce, sent in clear (the other 4 are the implicit salt from the key block)."),
    ("record.encrypted_record", "The AEAD ciphertext: the content (TLS 1.3: with its real type and padding) encrypted under this direction's traffic key."),
    ("record.aead_tag", "The 16-byte AEAD authentication tag: proves the ciphertext and header were not changed and came from the holder of the key."),
    // Handshake framing.
    ("handshake.msg_type", "Which handshake message follows (1 client_hello, 2 server_hello, 8 encrypted_extensions, 11 certificate, 15 certificate_verify, 20 finished, …)."),
    ("handshake.length", "Length of this handshake message's body (3 bytes: messages may span records)."),
    ("handshake.continuation", "The rest of a handshake message that began in the previous record."),
    ("handshake.fragment", "A handshake message header cut by the end of the record."),
    ("fragment", "The start of a handshake message that continues in the next record."),
    ("body", "A message body tlsviz does not break down further."),
    // ClientHello.
    ("client_hello.legacy_version", "Frozen at 0x0303 (TLS 1.2); the versions really offered are in supported_versions."),
    ("client_hello.random", "32 random bytes from the client: they make every handshake's transcript, and so its keys, unique."),
    ("client_hello.legacy_session_id", "TLS 1.2 session resumption id; TLS 1.3 clients send 32 random bytes here so middleboxes see a familiar shape."),
    ("client_hello.cipher_suites", "The cipher suites the client accepts, in order of preference."),
    ("client_hello.cipher_suites[]", "One cipher suite the client accepts (TLS 1.3: AEAD + hash; TLS 1.2: key exchange, authentication, AEAD, hash)."),
    ("client_hello.legacy_compression_methods", "Compression methods: only null (0), since compression leaked secrets (CRIME)."),
    ("client_hello.legacy_compression_methods[]", "One compression method: null (0) is the only one allowed."),
    ("client_hello.extensions", "The client's extensions: everything TLS added after the base hello."),
    // ServerHello / HelloRetryRequest.
    ("server_hello.legacy_version", "Frozen at 0x0303; a TLS 1.3 server names the real version in supported_versions."),
    ("server_hello.random", "32 random bytes from the server (the last 8 flag a downgrade when a TLS 1.3 server answers with 1.2)."),
    ("server_hello.legacy_session_id_echo", "The client's legacy_session_id, echoed."),
    ("server_hello.cipher_suite", "The one cipher suite the server chose from the client's list."),
    ("server_hello.legacy_compression_method", "Always null (0)."),
    ("server_hello.extensions", "The server's answers to the client's extensions that belong in the clear hello."),
    ("hello_retry_request.legacy_version", "Frozen at 0x0303."),
    ("hello_retry_request.random", "The fixed value SHA-256(\"HelloRetryRequest\"): it is what makes this ServerHello a HelloRetryRequest."),
    ("hello_retry_request.legacy_session_id_echo", "The client's legacy_session_id, echoed."),
    ("hello_retry_request.cipher_suite", "The cipher suite the server will use once the client retries."),
    ("hello_retry_request.legacy_compression_method", "Always null (0)."),
    ("hello_retry_request.extensions", "What the client must change in its second ClientHello (the group for its key share, a cookie)."),
    // Extensions, generic.
    ("extension_type", "Which extension this is (IANA TLS ExtensionType registry)."),
    ("extension_data", "The extension's contents, not broken down further."),
    ("length", "Length prefix: how many bytes the vector or structure that follows takes."),
    ("server_name.extension_type", "server_name (SNI): the host name the client wants, so one address can serve many certificates."),
    ("server_name.server_name_list", "The names the client asks for (one host name in practice)."),
    ("server_name_list[].name_type", "Kind of name: host_name (0) is the only one defined."),
    ("server_name_list[].host_name", "The DNS name the client is connecting to, in clear (ECH aside)."),
    ("max_fragment_length.extension_type", "max_fragment_length: asks for smaller records (constrained clients)."),
    ("max_fragment_length.max_fragment_length", "The largest record plaintext the client wants: 2^9 to 2^12 bytes."),
    ("status_request.extension_type", "status_request: asks the server to staple an OCSP response proving its certificate is not revoked."),
    ("status_request.status_type", "Which status: ocsp (1)."),
    ("status_request.responder_id_list", "OCSP responders the client trusts (usually empty)."),
    ("status_request.request_extensions", "Extensions for the OCSP request (usually empty)."),
    ("supported_groups.extension_type", "supported_groups: the key-exchange groups (curves) the client can use, preferred first."),
    ("supported_groups.named_group_list", "The key-exchange groups the client supports."),
    ("supported_groups.named_group_list[]", "One key-exchange group (x25519, secp256r1, …)."),
    ("ec_point_formats.extension_type", "ec_point_formats (TLS 1.2): how elliptic-curve points may be encoded."),
    ("ec_point_formats.ec_point_format_list[]", "One point format: uncompressed (0) is the one everyone uses."),
    ("ec_point_formats.ec_point_format_list", "The point formats supported."),
    ("signature_algorithms.extension_type", "signature_algorithms: the signature schemes the client can verify (CertificateVerify, ServerKeyExchange)."),
    ("signature_algorithms.supported_signature_algorithms", "Signature schemes accepted, preferred first."),
    ("signature_algorithms.supported_signature_algorithms[]", "One signature scheme (algorithm + hash), e.g. ecdsa_secp256r1_sha256."),
    ("signature_algorithms_cert.extension_type", "signature_algorithms_cert: the schemes accepted in certificates' own signatures, when they differ."),
    ("signature_algorithms_cert.supported_signature_algorithms", "Signature schemes accepted in certificates."),
    ("signature_algorithms_cert.supported_signature_algorithms[]", "One signature scheme accepted in certificates."),
    ("application_layer_protocol_negotiation.extension_type", "ALPN: the application protocols offered (client) or chosen (server)."),
    ("application_layer_protocol_negotiation.protocol_name_list", "The protocol names, preferred first."),
    ("application_layer_protocol_negotiation.protocol_name_list[]", "One application protocol name (e.g. h2, http/1.1)."),
    ("signed_certificate_timestamp.extension_type", "signed_certificate_timestamp: Certificate Transparency proofs that the certificate was logged."),
    ("padding.extension_type", "padding: zeros that bring the hello to a size some middleboxes handle."),
    ("padding.padding", "Zero bytes, ignored."),
    ("encrypt_then_mac.extension_type", "encrypt_then_mac (TLS 1.2 CBC suites): MAC the ciphertext, not the plaintext."),
    ("extended_master_secret.extension_type", "extended_master_secret (TLS 1.2): bind the master secret to the whole handshake transcript (against triple-handshake attacks)."),
    ("compress_certificate.extension_type", "compress_certificate: certificate compression algorithms accepted."),
    ("compress_certificate.algorithms", "Certificate compression algorithms (1 zlib, 2 brotli, 3 zstd)."),
    ("compress_certificate.algorithms[]", "One certificate compression algorithm."),
    ("record_size_limit.extension_type", "record_size_limit: the largest record plaintext this side accepts."),
    ("record_size_limit.record_size_limit", "The largest record plaintext accepted, in bytes."),
    ("session_ticket.extension_type", "session_ticket (TLS 1.2): resumption tickets; empty means the client can take one."),
    ("session_ticket.ticket", "A ticket from an earlier session, to resume it."),
    ("pre_shared_key.extension_type", "pre_shared_key: PSK identities for resumption and the binders proving the client holds them."),
    ("early_data.extension_type", "early_data: 0-RTT data (client), accepted (server), or the limit a ticket allows."),
    ("early_data.max_early_data_size", "How many bytes of 0-RTT data a client may send with this ticket."),
    ("supported_versions.extension_type", "supported_versions: the TLS versions offered (client) or the one chosen (server); this, not legacy_version, negotiates TLS 1.3."),
    ("supported_versions.versions", "The versions the client offers, preferred first."),
    ("supported_versions.versions[]", "One version offered (0x0304 TLS 1.3, 0x0303 TLS 1.2; 0x?a?a GREASE)."),
    ("supported_versions.selected_version", "The version the server chose."),
    ("cookie.extension_type", "cookie: state a HelloRetryRequest asks the client to echo."),
    ("cookie.cookie", "The server's cookie, echoed by the client."),
    ("psk_key_exchange_modes.extension_type", "psk_key_exchange_modes: whether resumption must also do a fresh (EC)DHE (psk_dhe_ke) for forward secrecy."),
    ("psk_key_exchange_modes.ke_modes", "The PSK modes the client accepts."),
    ("psk_key_exchange_modes.ke_modes[]", "One PSK mode: psk_ke (0) or psk_dhe_ke (1)."),
    ("certificate_authorities.extension_type", "certificate_authorities: the CAs whose certificates this side accepts."),
    ("certificate_authorities.authorities", "Distinguished names of accepted CAs."),
    ("certificate_authorities.authorities[]", "One accepted CA's distinguished name (DER)."),
    ("oid_filters.extension_type", "oid_filters: certificate extension values the server wants in the client's certificate."),
    ("post_handshake_auth.extension_type", "post_handshake_auth: the client will answer a CertificateRequest after the handshake."),
    ("key_share.extension_type", "key_share: ephemeral (EC)DH public keys; the shared secret that keys the session comes from these."),
    ("key_share.client_shares", "The client's key shares, one per group it guesses the server will pick."),
    ("key_share.client_shares[].group", "The group (curve) this key share is for."),
    ("key_share.client_shares[].key_exchange", "The client's ephemeral public key for this group (x25519: 32 bytes; secp256r1: 65, 0x04 ‖ x ‖ y)."),
    ("key_share.server_share.group", "The group the server chose from the client's shares."),
    ("key_share.server_share.key_exchange", "The server's ephemeral public key; with the client's private key it gives the ECDHE shared secret."),
    ("key_share.selected_group", "HelloRetryRequest: the group the client must send a key share for."),
    ("quic_transport_parameters.extension_type", "quic_transport_parameters: QUIC's own settings."),
    ("encrypted_client_hello.extension_type", "encrypted_client_hello: the real ClientHello, encrypted to the server's ECH key."),
    ("renegotiation_info.extension_type", "renegotiation_info (TLS 1.2): ties a renegotiation to the previous handshake; empty at first."),
    ("renegotiation_info.renegotiated_connection", "The previous Finished values (empty in a first handshake)."),
    ("grease.extension_type", "GREASE (RFC 8701): a reserved value sent to keep servers tolerant of unknown extensions."),
    ("unknown.extension_type", "An extension tlsviz does not know."),
    // Messages after the hellos.
    ("encrypted_extensions.extensions", "TLS 1.3: the server's extensions that need not be in clear (ALPN, groups, …), sent encrypted."),
    ("certificate.certificate_request_context", "TLS 1.3: empty in the handshake; echoes the request's context after it."),
    ("certificate.certificate_list", "The certificate chain, the sender's own certificate first."),
    ("certificate_list[].cert_data", "One certificate (DER X.509): the first is the sender's, each next one signed the previous."),
    ("certificate_list[].extensions", "TLS 1.3: this certificate's extensions (stapled OCSP, SCTs)."),
    ("certificate_request.certificate_request_context", "TLS 1.3: an id the client's Certificate echoes (empty in the handshake)."),
    ("certificate_request.extensions", "TLS 1.3: what the client's certificate must satisfy (signature_algorithms, certificate_authorities)."),
    ("certificate_request.certificate_types", "TLS 1.2: the kinds of client key accepted."),
    ("certificate_request.certificate_types[]", "One kind of client key: rsa_sign (1), ecdsa_sign (64)."),
    ("certificate_request.supported_signature_algorithms", "TLS 1.2: the signature schemes the client may sign with."),
    ("certificate_request.supported_signature_algorithms[]", "One signature scheme the client may sign with."),
    ("certificate_request.certificate_authorities", "TLS 1.2: the CAs whose client certificates the server accepts."),
    ("certificate_request.certificate_authorities[]", "One accepted CA's distinguished name (DER)."),
    ("certificate_verify.algorithm", "The signature scheme used."),
    ("certificate_verify.signature", "Signature over the handshake transcript with the certificate's private key: proves the sender holds it."),
    ("finished.verify_data", "HMAC of the handshake transcript under the finished key (TLS 1.2: the PRF over it): proves both sides saw the same handshake."),
    ("new_session_ticket.ticket_lifetime", "How long the ticket may be used, in seconds."),
    ("new_session_ticket.ticket_lifetime_hint", "TLS 1.2: how long the ticket may be kept, in seconds."),
    ("new_session_ticket.ticket_age_add", "A random value added to the ticket's age so resumption does not reveal when it was issued."),
    ("new_session_ticket.ticket_nonce", "Per-ticket value: the resumption secret is derived with it."),
    ("new_session_ticket.ticket", "The ticket itself: opaque to the client, the server reads its session from it."),
    ("new_session_ticket.extensions", "Extensions of the ticket (early_data's limit)."),
    ("key_update.request_update", "Whether the peer must update its own sending keys too."),
    ("server_key_exchange.params.curve_type", "TLS 1.2 ECDHE: how the curve is given; named_curve (3)."),
    ("server_key_exchange.params.named_curve", "TLS 1.2 ECDHE: the curve (group) of the server's ephemeral key."),
    ("server_key_exchange.params.key_exchange", "TLS 1.2 ECDHE: the server's ephemeral public key."),
    ("server_key_exchange.params", "TLS 1.2: key-exchange parameters tlsviz does not break down (not ECDHE)."),
    ("server_key_exchange.signed_params.algorithm", "The signature scheme of the signature below."),
    ("server_key_exchange.signed_params.signature", "The server's signature over both randoms and the parameters, with its certificate's key: the ECDHE key really is the server's."),
    ("client_key_exchange.key_exchange", "TLS 1.2 ECDHE: the client's ephemeral public key; each side now computes the pre-master secret."),
    ("client_key_exchange.exchange_keys", "TLS 1.2: the client's key-exchange value (not an ECDHE point)."),
    ("change_cipher_spec.type", "ChangeCipherSpec: TLS 1.2, the sender's next records use the new keys; TLS 1.3, a no-op for middlebox compatibility."),
    ("alert.level", "warning (1) or fatal (2); TLS 1.3 treats every alert but close_notify as fatal."),
    ("alert.description", "Which alert: close_notify (0), handshake_failure (40), bad_certificate (42), …"),
    ("application_data", "Application data (here: Redis's protocol, RESP) that did not read as RESP."),
    ("heartbeat", "A heartbeat message (RFC 6520)."),
    // Opened records.
    ("inner_plaintext.content", "TLS 1.3 record content that could not be read as its real type says."),
    ("inner_plaintext.content_type", "TLS 1.3: the real content type, hidden inside the encryption (the outer header always says application_data)."),
    ("inner_plaintext.zeros", "TLS 1.3 padding: zeros that hide the real length of the content."),
    ("content", "TLS 1.2 record content that could not be read as its type says."),
    ("resp.array", "A RESP array that could not be read element by element."),
    ("resp.array_header", "RESP: an array of N elements follows (`*N`): a Redis command is an array of its arguments."),
    ("resp.elements[]", "RESP: one element of the array: for a command, one argument (`$len` then the bytes)."),
    ("resp.simple_string", "RESP simple string reply (`+OK`, `+PONG`)."),
    ("resp.error", "RESP error reply (`-ERR …`, `-NOAUTH …`)."),
    ("resp.integer", "RESP integer reply (`:1`)."),
    ("resp.bulk_string", "RESP bulk string reply (`$len` then the bytes)."),
    ("resp.value", "A RESP value (RESP3 map, set, double, …)."),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_most_specific_entry_wins() {
        assert_eq!(
            explain("client_hello.extensions.key_share.client_shares[3].key_exchange"),
            lookup("key_share.client_shares[].key_exchange")
        );
        assert_eq!(
            explain("client_hello.extensions.key_share.client_shares[3].key_exchange.length"),
            lookup("length")
        );
        assert_eq!(
            explain("client_hello.random"),
            lookup("client_hello.random")
        );
        assert_eq!(explain("nonsense"), None);
    }

    #[test]
    fn every_entry_is_one_line_and_unique() {
        for (i, (key, text)) in TABLE.iter().enumerate() {
            assert!(!text.contains('\n') && !text.is_empty(), "{key}");
            assert!(
                TABLE[i + 1..].iter().all(|(k, _)| k != key),
                "{key} is listed twice"
            );
        }
    }
}
