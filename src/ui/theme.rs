//! Colours by meaning. With NO_COLOR every style is colourless (bold, dim and reverse only), so
//! meaning is carried by the symbols and words the views always write beside a state.

use crate::model::steps::StepStatus;
use crate::model::tracker::{CertificateValidity, ConnectionState, EncryptionStatus};
use ratatui::style::{Color, Modifier, Style};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Theme {
    pub color: bool,
    pub light: bool,
}

impl Theme {
    pub fn new(light: bool, no_color: bool) -> Self {
        Self {
            color: !no_color,
            light,
        }
    }

    fn fg(&self, dark: Color, light: Color) -> Style {
        if !self.color {
            return Style::default();
        }
        Style::default().fg(if self.light { light } else { dark })
    }

    /// Success, verified, encrypted.
    pub fn good(&self) -> Style {
        self.fg(Color::LightGreen, Color::Green)
    }

    /// Failure, invalid, insecure.
    pub fn bad(&self) -> Style {
        self.fg(Color::LightRed, Color::Red)
            .add_modifier(Modifier::BOLD)
    }

    /// Waiting, a note, something to look at.
    pub fn warn(&self) -> Style {
        self.fg(Color::Yellow, Color::Magenta)
    }

    /// Secondary text.
    pub fn dim(&self) -> Style {
        if self.color {
            self.fg(Color::DarkGray, Color::DarkGray)
        } else {
            Style::default().add_modifier(Modifier::DIM)
        }
    }

    /// Titles and the things the eye should find first.
    pub fn accent(&self) -> Style {
        self.fg(Color::Cyan, Color::Blue)
            .add_modifier(Modifier::BOLD)
    }

    /// Encrypted records and data.
    pub fn encrypted(&self) -> Style {
        self.fg(Color::LightMagenta, Color::Magenta)
    }

    /// The current step or the selected line.
    pub fn highlight(&self) -> Style {
        if self.color {
            let bg = if self.light {
                Color::Rgb(220, 230, 250)
            } else {
                Color::Rgb(40, 50, 80)
            };
            Style::default().bg(bg).add_modifier(Modifier::BOLD)
        } else {
            Style::default().add_modifier(Modifier::REVERSED)
        }
    }

    /// The `--insecure` banner: impossible to miss, with or without colour.
    pub fn banner(&self) -> Style {
        let base = Style::default().add_modifier(Modifier::BOLD);
        if self.color {
            base.fg(Color::White).bg(Color::Red)
        } else {
            base.add_modifier(Modifier::REVERSED)
        }
    }

    pub fn bold(&self) -> Style {
        Style::default().add_modifier(Modifier::BOLD)
    }

    pub fn status(&self, status: StepStatus) -> Style {
        match status {
            StepStatus::Done => self.good(),
            StepStatus::Failed | StepStatus::Interrupted => self.bad(),
            StepStatus::Running | StepStatus::Waiting => self.warn(),
            StepStatus::Pending | StepStatus::Skipped => self.dim(),
        }
    }

    pub fn connection(&self, state: ConnectionState) -> Style {
        match state {
            ConnectionState::EncryptedAndConnected | ConnectionState::KeysEstablished => {
                self.good()
            }
            ConnectionState::Failed | ConnectionState::ConnectedPlaintext => self.bad(),
            ConnectionState::Disconnected | ConnectionState::Closed => self.dim(),
            _ => self.warn(),
        }
    }

    pub fn encryption(&self, status: EncryptionStatus) -> Style {
        match status {
            EncryptionStatus::Active | EncryptionStatus::Established => self.good(),
            EncryptionStatus::HandshakeEncrypted => self.encrypted(),
            EncryptionStatus::None | EncryptionStatus::Off => self.dim(),
        }
    }

    pub fn validity(&self, validity: CertificateValidity) -> Style {
        match validity {
            CertificateValidity::Verified => self.good(),
            CertificateValidity::Invalid => self.bad(),
            CertificateValidity::Received => self.warn(),
            CertificateValidity::Unknown => self.dim(),
        }
    }
}

/// The word beside a step's symbol, so no state rests on colour.
pub fn status_word(status: StepStatus) -> &'static str {
    match status {
        StepStatus::Pending => "pending",
        StepStatus::Waiting => "waiting",
        StepStatus::Running => "running",
        StepStatus::Done => "done",
        StepStatus::Skipped => "skipped",
        StepStatus::Failed => "FAILED",
        StepStatus::Interrupted => "stopped",
    }
}
