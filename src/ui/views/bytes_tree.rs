//! The field tree of the byte explorer (mode 5 with `--bytes`): a record's leaf fields, named as
//! dotted paths (`client_hello.extensions.key_share.client_shares[0].key_exchange`), grouped
//! under their common prefixes and indented. A leaf whose path is also a group (a vector's bytes
//! after its `.length`) is that group's own value, on the group's line, as a packet dissector
//! shows it. Every field appears exactly once; the selectable rows, top to bottom, are the order
//! Tab and ↑↓ walk.

use crate::engine::annotate::Field;

/// One line of the tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeRow {
    /// Nesting level (0: a top-level structure such as `record` or `handshake`).
    pub depth: usize,
    /// The last part of the path.
    pub label: String,
    /// The field this line selects (an index into the fields), `None` for a bare group.
    pub field: Option<usize>,
}

/// The path's parts, split on the dots between names (there are none inside `[…]`).
fn parts(name: &str) -> Vec<&str> {
    name.split('.').filter(|p| !p.is_empty()).collect()
}

/// The tree of `fields`, in the order it is drawn.
pub fn tree(fields: &[Field]) -> Vec<TreeRow> {
    let mut rows: Vec<TreeRow> = Vec::new();
    // The groups open above the next leaf: their path parts and the row of each.
    let mut open: Vec<(String, usize)> = Vec::new();
    for (i, field) in fields.iter().enumerate() {
        let path = parts(&field.name);
        let Some((last, groups)) = path.split_last() else {
            rows.push(TreeRow {
                depth: 0,
                label: field.name.clone(),
                field: Some(i),
            });
            continue;
        };
        let common = open
            .iter()
            .zip(path.iter())
            .take_while(|((open, _), part)| open == *part)
            .count();
        if common == path.len() {
            // The leaf is an open group (or one above it): its value goes on that group's line,
            // unless that line already has one.
            let (_, row) = open[path.len() - 1];
            if rows[row].field.is_none() {
                rows[row].field = Some(i);
                continue;
            }
        }
        let keep = common.min(groups.len());
        open.truncate(keep);
        for part in &groups[keep..] {
            open.push((part.to_string(), rows.len()));
            rows.push(TreeRow {
                depth: open.len() - 1,
                label: part.to_string(),
                field: None,
            });
        }
        rows.push(TreeRow {
            depth: groups.len(),
            label: last.to_string(),
            field: Some(i),
        });
        // The leaf may turn out to be a group itself (`x` then `x.length`): open it.
        open.push((last.to_string(), rows.len() - 1));
    }
    rows
}

/// The fields in the order the tree shows them (what Tab and ↑↓ walk).
pub fn walk_order(fields: &[Field]) -> Vec<usize> {
    tree(fields).iter().filter_map(|r| r.field).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(offset: usize, len: usize, name: &str) -> Field {
        Field {
            offset,
            len,
            name: name.into(),
            value: String::new(),
        }
    }

    fn shape(rows: &[TreeRow]) -> Vec<String> {
        rows.iter()
            .map(|r| {
                format!(
                    "{}{}{}",
                    "  ".repeat(r.depth),
                    r.label,
                    r.field.map(|f| format!(" #{f}")).unwrap_or_default()
                )
            })
            .collect()
    }

    #[test]
    fn groups_indent_and_a_vector_shows_its_bytes_on_its_own_line() {
        let fields = [
            field(0, 1, "record.content_type"),
            field(1, 2, "record.legacy_version"),
            field(3, 2, "record.length"),
            field(5, 1, "handshake.msg_type"),
            field(6, 3, "handshake.length"),
            field(9, 1, "client_hello.legacy_session_id.length"),
            field(10, 2, "client_hello.legacy_session_id"),
            field(12, 2, "client_hello.extensions.length"),
            field(
                14,
                2,
                "client_hello.extensions.key_share.client_shares[0].group",
            ),
            field(16, 1, "handshake.msg_type"),
        ];
        assert_eq!(
            shape(&tree(&fields)),
            [
                "record",
                "  content_type #0",
                "  legacy_version #1",
                "  length #2",
                "handshake",
                "  msg_type #3",
                "  length #4",
                "client_hello",
                "  legacy_session_id #6",
                "    length #5",
                "  extensions",
                "    length #7",
                "    key_share",
                "      client_shares[0]",
                "        group #8",
                "handshake",
                "  msg_type #9",
            ]
        );
        assert_eq!(walk_order(&fields), [0, 1, 2, 3, 4, 6, 5, 7, 8, 9]);
    }

    #[test]
    fn a_leaf_that_later_opens_a_group_stays_one_line() {
        // A value first, then a field below it (the annotator does not emit this, but the
        // tree must not lose or repeat a field whatever the names).
        let fields = [
            field(0, 1, "a"),
            field(1, 1, "a.b"),
            field(2, 1, "a"),
            field(3, 1, "c"),
        ];
        let rows = tree(&fields);
        assert_eq!(shape(&rows), ["a #0", "  b #1", "a #2", "c #3"]);
    }

    #[test]
    fn every_field_of_real_records_appears_once() {
        use crate::engine::events::Event;
        use crate::ui::testing::fixture;
        for name in ["bytes-tls13", "bytes-tls12"] {
            let mut seen = 0;
            for stamped in fixture(name) {
                let Event::Record(info) = stamped.event else {
                    continue;
                };
                let Some(bytes) = info.bytes else { continue };
                let mut units = vec![bytes.fields.clone()];
                if let Some(d) = &bytes.decrypted {
                    units.push(d.fields.clone());
                }
                for fields in units {
                    let mut order = walk_order(&fields);
                    order.sort_unstable();
                    assert_eq!(order, (0..fields.len()).collect::<Vec<_>>(), "{name}");
                    seen += 1;
                }
            }
            assert!(seen > 10, "{name}: {seen} units with bytes");
        }
    }
}
