//! Where the console draws, and what that stream allows: colour and the width in
//! columns, decided for the stream the trees go to (standard error by default).

use super::render::RenderOptions;
use crate::setup::env::Lookup;
use std::io::{IsTerminal, Write};

/// The width used on a terminal whose size cannot be read.
const FALLBACK_WIDTH: usize = 80;

/// The console settings made in code, on [`Setup`](crate::Setup).
#[derive(Default)]
pub(crate) struct ConsoleSettings {
    pub(crate) output: Output,
    /// Columns, over `COLUMNS` and the terminal's.
    pub(crate) width: Option<usize>,
}

/// The stream or writer the trees go to.
#[derive(Default)]
pub(crate) enum Output {
    /// Standard error: the application's own output on standard output stays clean.
    #[default]
    Stderr,
    Stdout,
    /// A writer given in code: never a terminal.
    Writer(Box<dyn Write + Send>),
}

/// The output opened, with what it allows.
pub(crate) struct Sink {
    writer: Box<dyn Write + Send>,
    width: Width,
    color: bool,
    /// Whether a trace was written: the next one comes after a blank line.
    wrote: bool,
}

enum Width {
    Fixed(Option<usize>),
    /// Read from the terminal at each drawing, so a resized window is followed.
    Terminal(Stream),
}

#[derive(Clone, Copy)]
enum Stream {
    Stdout,
    Stderr,
}

impl Sink {
    /// Opens `settings.output`. A terminal gets colour unless `NO_COLOR` is set (to
    /// anything but the empty string) or `TERM` is `dumb`, and its width from the
    /// setting, else `COLUMNS`, else the terminal. Anything else gets plain text, cut
    /// to the width only when one is set in code.
    pub(crate) fn open(settings: ConsoleSettings, lookup: &Lookup) -> Self {
        let var = |name: &str| lookup(name).filter(|value| !value.is_empty());
        let (writer, stream): (Box<dyn Write + Send>, _) = match settings.output {
            Output::Stderr => (Box::new(std::io::stderr()), Some(Stream::Stderr)),
            Output::Stdout => (Box::new(std::io::stdout()), Some(Stream::Stdout)),
            Output::Writer(writer) => (writer, None),
        };
        let terminal = stream.filter(|stream| stream.is_terminal());
        let color = terminal.is_some()
            && var("NO_COLOR").is_none()
            && var("TERM").as_deref() != Some("dumb");
        let columns = || {
            var("COLUMNS")
                .and_then(|columns| columns.trim().parse().ok())
                .filter(|&columns| columns > 0)
        };
        let width = match (settings.width, terminal) {
            (Some(width), _) => Width::Fixed(Some(width)),
            (None, Some(stream)) => {
                columns().map_or(Width::Terminal(stream), |c| Width::Fixed(Some(c)))
            }
            (None, None) => Width::Fixed(None),
        };
        Sink {
            writer,
            width,
            color,
            wrote: false,
        }
    }

    /// How to render for this output now.
    pub(crate) fn options(&self) -> RenderOptions {
        let width = match self.width {
            Width::Fixed(width) => width,
            Width::Terminal(stream) => Some(stream.columns().unwrap_or(FALLBACK_WIDTH)),
        };
        RenderOptions {
            width,
            color: self.color,
        }
    }

    /// Writes one rendered trace, in one write so that it is not interleaved with the
    /// application's lines.
    pub(crate) fn write(&mut self, trace: &str) {
        let text = if self.wrote {
            format!("\n{trace}")
        } else {
            trace.to_owned()
        };
        self.write_lines(&text);
    }

    /// Writes `lines` as they are, with no blank line before them (log lines).
    pub(crate) fn write_lines(&mut self, lines: &str) {
        self.wrote = true;
        // A closed output must not take the application down.
        let _ = self.writer.write_all(lines.as_bytes());
        let _ = self.writer.flush();
    }
}

impl Stream {
    fn is_terminal(self) -> bool {
        match self {
            Stream::Stdout => std::io::stdout().is_terminal(),
            Stream::Stderr => std::io::stderr().is_terminal(),
        }
    }

    /// The terminal's width, if the stream is a terminal that reports one.
    ///
    /// `libc` is already in every build of this crate (through `getrandom`, under the
    /// SDK's `rand`), so this ioctl costs no new dependency; `terminal_size` would
    /// bring `rustix`, which nothing else here uses.
    #[cfg(unix)]
    fn columns(self) -> Option<usize> {
        use std::os::fd::AsRawFd;
        let fd = match self {
            Stream::Stdout => std::io::stdout().as_raw_fd(),
            Stream::Stderr => std::io::stderr().as_raw_fd(),
        };
        let mut size = libc::winsize {
            ws_row: 0,
            ws_col: 0,
            ws_xpixel: 0,
            ws_ypixel: 0,
        };
        // SAFETY: TIOCGWINSZ writes one `winsize` through the pointer, which points
        // to one; on a descriptor that is not a terminal the call fails and writes
        // nothing.
        let ok = unsafe { libc::ioctl(fd, libc::TIOCGWINSZ, &mut size) } == 0;
        // Some pseudo-terminals report 0 columns: unknown.
        (ok && size.ws_col > 0).then(|| usize::from(size.ws_col))
    }

    #[cfg(not(unix))]
    fn columns(self) -> Option<usize> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open(width: Option<usize>, vars: &'static [(&'static str, &'static str)]) -> RenderOptions {
        let lookup = |name: &str| {
            vars.iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| (*value).to_owned())
        };
        let output = Output::Writer(Box::new(Vec::new()));
        Sink::open(ConsoleSettings { output, width }, &lookup).options()
    }

    #[test]
    fn a_writer_gets_plain_text_with_no_width_limit() {
        let options = open(None, &[("COLUMNS", "80")]);
        assert_eq!(options.width, None, "COLUMNS describes a terminal");
        assert!(!options.color);
    }

    #[test]
    fn a_width_set_in_code_applies_to_any_output() {
        let options = open(Some(40), &[("COLUMNS", "200")]);
        assert_eq!(options.width, Some(40));
        assert!(!options.color, "colour only on a terminal");
    }

    #[test]
    fn standard_error_is_the_default_output() {
        assert!(matches!(ConsoleSettings::default().output, Output::Stderr));
    }
}
