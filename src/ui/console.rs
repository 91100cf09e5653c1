//! The Redis console's logic (`:` after step 8): the input line read as redis-cli reads it, what
//! may be shown of it, and the commands and replies of a run taken from its events. The panel
//! is drawn by `views::console`.

use crate::engine::events::{Direction, Event};
use crate::engine::step::Step;
use crate::model::Model;

/// The longest input line the console takes, in characters. Shown beside the prompt; a key past
/// it is refused with a note rather than dropped silently.
pub const INPUT_LIMIT: usize = 200;

/// Why a line cannot be split into arguments (redis-cli answers these with "Invalid
/// argument(s)").
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SplitError {
    /// A quote opened at this column (1-based) is never closed.
    Unclosed { quote: char, column: usize },
    /// A closing quote is followed by something other than a space.
    NoSpaceAfter { quote: char, column: usize },
    /// `\xHH` escapes made bytes that are not UTF-8 text.
    NotText,
}

impl std::fmt::Display for SplitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SplitError::Unclosed { quote, column } => {
                write!(f, "the {quote} at column {column} is never closed")
            }
            SplitError::NoSpaceAfter { quote, column } => write!(
                f,
                "the closing {quote} at column {column} must be followed by a space"
            ),
            SplitError::NotText => f.write_str("\\x escapes must make UTF-8 text here"),
        }
    }
}

/// Split a console line into arguments as redis-cli does (`sdssplitargs`): spaces separate;
/// "double quotes" keep spaces and read `\n \r \t \b \a \\ \"` and `\xHH`; 'single quotes' keep
/// everything but `\'`; a closing quote must end the argument.
pub fn split_command(line: &str) -> Result<Vec<String>, SplitError> {
    let (args, error) = split(line);
    match error {
        Some(e) => Err(e),
        None => args
            .into_iter()
            .map(|a| String::from_utf8(a).map_err(|_| SplitError::NotText))
            .collect(),
    }
}

/// The arguments as far as they go, an unfinished quoted one included (for showing a command
/// that was already sent, whose quoting cannot be wrong).
pub fn split_lenient(line: &str) -> Vec<String> {
    split(line)
        .0
        .iter()
        .map(|a| String::from_utf8_lossy(a).into_owned())
        .collect()
}

/// The arguments as far as they go, and the first error: the masking of a line still being
/// typed needs the arguments of an unfinished one too.
fn split(line: &str) -> (Vec<Vec<u8>>, Option<SplitError>) {
    let chars: Vec<char> = line.chars().collect();
    let mut args = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_whitespace() {
            i += 1;
            continue;
        }
        let mut arg: Vec<u8> = Vec::new();
        let push = |arg: &mut Vec<u8>, c: char| {
            let mut buf = [0u8; 4];
            arg.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
        };
        // Read one argument: plain characters, and quoted runs inside it.
        while i < chars.len() && !chars[i].is_whitespace() {
            let quote = chars[i];
            if quote != '"' && quote != '\'' {
                push(&mut arg, quote);
                i += 1;
                continue;
            }
            let opened = i + 1;
            i += 1;
            loop {
                let Some(&c) = chars.get(i) else {
                    args.push(arg);
                    let error = SplitError::Unclosed {
                        quote,
                        column: opened,
                    };
                    return (args, Some(error));
                };
                let next = chars.get(i + 1).copied();
                if c == quote {
                    if next.is_some_and(|n| !n.is_whitespace()) {
                        args.push(arg);
                        let error = SplitError::NoSpaceAfter {
                            quote,
                            column: i + 1,
                        };
                        return (args, Some(error));
                    }
                    i += 1;
                    break;
                }
                if c == '\\' && quote == '\'' && next == Some('\'') {
                    arg.push(b'\'');
                    i += 2;
                } else if c == '\\' && quote == '"' && next.is_some() {
                    let hex = |k: usize| chars.get(i + k).and_then(|c| c.to_digit(16));
                    match (next, hex(2), hex(3)) {
                        (Some('x'), Some(h), Some(l)) => {
                            arg.push((h * 16 + l) as u8);
                            i += 4;
                            continue;
                        }
                        (Some(e), _, _) => {
                            match e {
                                'n' => arg.push(b'\n'),
                                'r' => arg.push(b'\r'),
                                't' => arg.push(b'\t'),
                                'b' => arg.push(0x08),
                                'a' => arg.push(0x07),
                                other => push(&mut arg, other),
                            }
                            i += 2;
                        }
                        (None, _, _) => i += 1,
                    }
                } else {
                    push(&mut arg, c);
                    i += 1;
                }
            }
            // A closing quote ends the argument (the space after it was checked).
            break;
        }
        args.push(arg);
    }
    (args, None)
}

/// What the console shows while typing: secrets (AUTH's password, HELLO … AUTH, CONFIG SET
/// requirepass) are masked as the engine masks them in its events, also in a line whose quote
/// is not closed yet.
pub fn masked_input(input: &str) -> String {
    let args = split_lenient(input);
    let redacted = crate::engine::resp::redact(&args);
    if !redacted.contains("***") {
        return input.to_string();
    }
    let trailing = if input.ends_with(char::is_whitespace) {
        " "
    } else {
        ""
    };
    format!("{redacted}{trailing}")
}

/// One command sent over the channel and what came back, from the events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exchange {
    /// The command as the events hold it (secrets masked).
    pub command: String,
    pub plaintext_len: usize,
    pub encrypted: bool,
    /// The records that carried it out, and their bytes on the wire.
    pub records: usize,
    pub record_bytes: usize,
    /// The reply as redis-cli prints it (`None`: not read).
    pub reply: Option<String>,
    pub error: bool,
    /// Typed in the console after step 8 (false: the lesson's own AUTH, SELECT and command).
    pub console: bool,
}

/// Every command of the run in order: step 8's, then the console's.
pub fn exchanges(model: &Model) -> Vec<Exchange> {
    let mut out: Vec<Exchange> = Vec::new();
    let mut after_step8 = false;
    for stamped in &model.events {
        match &stamped.event {
            Event::StepCompleted { step: Step::Data } => after_step8 = true,
            Event::DataSent {
                command,
                plaintext_len,
                encrypted,
            } => out.push(Exchange {
                command: command.clone(),
                plaintext_len: *plaintext_len,
                encrypted: *encrypted,
                records: 0,
                record_bytes: 0,
                reply: None,
                error: false,
                console: after_step8,
            }),
            Event::Record(info) if info.direction == Direction::Out => {
                if let Some(last) = out.last_mut().filter(|e| e.reply.is_none()) {
                    last.records += 1;
                    last.record_bytes += info.length;
                }
            }
            Event::DataReceived { reply, error, .. } => {
                if let Some(last) = out.last_mut().filter(|e| e.reply.is_none()) {
                    last.reply = Some(reply.clone());
                    last.error = *error;
                }
            }
            _ => {}
        }
    }
    out
}

/// The lesson's own command (step 8's last, after any AUTH and SELECT) and its reply.
pub fn lesson_exchange(model: &Model) -> Option<Exchange> {
    exchanges(model).into_iter().rfind(|e| !e.console)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split_ok(line: &str) -> Vec<String> {
        split_command(line).unwrap()
    }

    #[test]
    fn lines_split_as_redis_cli_splits_them() {
        assert_eq!(split_ok("  GET  key "), ["GET", "key"]);
        assert_eq!(split_ok("SET k 'a b'"), ["SET", "k", "a b"]);
        assert_eq!(split_ok("SET k \"\""), ["SET", "k", ""]);
        assert!(split_ok("   ").is_empty());
        assert_eq!(split_ok(r#"SET k "a\nb\x41""#), ["SET", "k", "a\nbA"]);
        assert_eq!(split_ok(r"SET k 'it\'s'"), ["SET", "k", "it's"]);
        assert_eq!(
            split_ok(r#"SET k 'no \n here'"#),
            ["SET", "k", r"no \n here"]
        );
        // A quote inside an argument opens a quoted run, as in redis-cli.
        assert_eq!(split_ok(r#"SET k a"b c""#), ["SET", "k", "ab c"]);
        assert_eq!(split_ok("ECHO é"), ["ECHO", "é"]);
    }

    #[test]
    fn an_unbalanced_quote_is_an_error_not_a_silent_drop() {
        assert_eq!(
            split_command("SET k \"hello"),
            Err(SplitError::Unclosed {
                quote: '"',
                column: 7
            })
        );
        assert_eq!(
            split_command("SET k 'x"),
            Err(SplitError::Unclosed {
                quote: '\'',
                column: 7
            })
        );
        assert_eq!(
            split_command("SET k \"a\"b"),
            Err(SplitError::NoSpaceAfter {
                quote: '"',
                column: 9
            })
        );
        assert_eq!(split_command(r#"SET k "\xff""#), Err(SplitError::NotText));
        let said = SplitError::Unclosed {
            quote: '"',
            column: 7,
        }
        .to_string();
        assert_eq!(said, "the \" at column 7 is never closed");
    }

    #[test]
    fn passwords_are_masked_even_before_the_quote_closes() {
        assert_eq!(masked_input("AUTH s3cret"), "AUTH ***");
        assert!(!masked_input("AUTH \"s3cr").contains("s3cr"));
        assert!(!masked_input("AUTH alice 'pass wo").contains("pass"));
    }
}
