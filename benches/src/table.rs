//! Rendering: tables as Markdown or aligned text, and bar charts.

/// A table of strings. Columns from [`Table::numbers_from`] on hold numbers and are
/// right-aligned; the others are left-aligned.
#[derive(Clone, Debug, Default)]
pub struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
    pub numbers_from: usize,
}

impl Table {
    /// A table whose first column names the row and whose other columns hold numbers.
    #[must_use]
    pub fn new(headers: &[&str]) -> Table {
        Table {
            headers: headers.iter().map(|h| (*h).to_owned()).collect(),
            rows: Vec::new(),
            numbers_from: 1,
        }
    }

    /// A table of text only: every column left-aligned.
    #[must_use]
    pub fn text_only(mut self) -> Table {
        self.numbers_from = self.headers.len();
        self
    }

    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    /// A GitHub-flavoured Markdown table.
    #[must_use]
    pub fn markdown(&self) -> String {
        let line = |cells: &[String]| format!("| {} |\n", cells.join(" | "));
        let mut out = line(&self.headers);
        let rule: Vec<String> = (0..self.headers.len())
            .map(|i| if i < self.numbers_from { "---" } else { "---:" }.to_owned())
            .collect();
        out += &line(&rule);
        for row in &self.rows {
            out += &line(
                &row.iter()
                    .map(|c| c.replace('|', "\\|"))
                    .collect::<Vec<_>>(),
            );
        }
        out
    }

    /// Columns padded to their widest cell, for a terminal.
    #[must_use]
    pub fn text(&self) -> String {
        let width = |s: &str| s.chars().count();
        let mut widths: Vec<usize> = self.headers.iter().map(|h| width(h)).collect();
        for row in &self.rows {
            for (w, cell) in widths.iter_mut().zip(row) {
                *w = (*w).max(width(cell));
            }
        }
        let line = |cells: &[String]| {
            let padded: Vec<String> = cells
                .iter()
                .zip(&widths)
                .enumerate()
                .map(|(i, (cell, w))| {
                    let pad = " ".repeat(w - width(cell));
                    if i < self.numbers_from {
                        format!("{cell}{pad}")
                    } else {
                        format!("{pad}{cell}")
                    }
                })
                .collect();
            format!("{}\n", padded.join("  ").trim_end())
        };
        let mut out = line(&self.headers);
        out += &format!(
            "{}\n",
            "-".repeat(widths.iter().sum::<usize>() + 2 * (widths.len() - 1))
        );
        for row in &self.rows {
            out += &line(row);
        }
        out
    }
}

/// Horizontal bars, scaled so the largest value spans `width` characters.
///
/// ```
/// let chart = traced_benches::table::bars(&[("a", 1.0), ("bb", 2.0)], 4, "ns");
/// assert_eq!(chart, "a  ██       1.00 ns\nbb ████     2.00 ns\n");
/// ```
#[must_use]
pub fn bars(values: &[(&str, f64)], width: usize, unit: &str) -> String {
    const EIGHTHS: [&str; 8] = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"];
    let label_width = values
        .iter()
        .map(|(l, _)| l.chars().count())
        .max()
        .unwrap_or(0);
    let max = values.iter().map(|(_, v)| *v).fold(0.0_f64, f64::max);
    let mut out = String::new();
    for (label, value) in values {
        #[allow(
            clippy::cast_precision_loss,
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss
        )]
        let eighths = if max > 0.0 {
            (value / max * (width * 8) as f64).round() as usize
        } else {
            0
        };
        let bar = format!("{}{}", "█".repeat(eighths / 8), EIGHTHS[eighths % 8]);
        let pad = " ".repeat(width + 1 - bar.chars().count());
        let label_pad = " ".repeat(label_width - label.chars().count());
        out += &format!(
            "{label}{label_pad} {bar}{pad}{:>8} {unit}\n",
            number(*value)
        );
    }
    out
}

/// A number of nanoseconds with as many decimals as its size deserves.
#[must_use]
pub fn number(value: f64) -> String {
    if value.is_nan() {
        "–".to_owned()
    } else if value.abs() < 10.0 {
        format!("{value:.2}")
    } else if value.abs() < 100.0 {
        format!("{value:.1}")
    } else {
        format!("{value:.0}")
    }
}

/// A ratio: `0.62×`.
#[must_use]
pub fn ratio(value: f64) -> String {
    if value.abs() < 0.1 {
        format!("{value:.3}×")
    } else {
        format!("{value:.2}×")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_tables_align_numbers_right() {
        let mut t = Table::new(&["name", "ns"]);
        t.row(vec!["plain".into(), "1.5".into()]);
        t.row(vec!["traced".into(), "120".into()]);
        assert_eq!(
            t.text(),
            "name     ns\n-----------\nplain   1.5\ntraced  120\n"
        );
    }

    #[test]
    fn markdown_cells_escape_pipes() {
        let mut t = Table::new(&["a", "b"]);
        t.row(vec!["x|y".into(), "1".into()]);
        assert!(t.markdown().contains("| x\\|y | 1 |"));
    }
}
