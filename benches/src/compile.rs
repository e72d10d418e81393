//! The compile-cost results that `benches/compile-cost.sh` leaves in
//! `benches/compile-cost.md`, read back for the report and its verdicts.

use std::collections::BTreeMap;
use std::path::Path;

/// Where the script writes its results.
pub const RESULTS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/compile-cost.md");

/// The line that starts the script's machine-readable block.
pub const DATA_MARK: &str = "<!-- compile-cost data";

/// One run of the compile-cost script.
#[derive(Clone, Debug, Default)]
pub struct CompileCost {
    /// The script's Markdown, without the data block.
    pub markdown: String,
    /// `variant -> key -> value`, e.g. `traced -> lines_per_fn -> 31.2`.
    pub values: BTreeMap<String, BTreeMap<String, f64>>,
}

impl CompileCost {
    /// Reads the script's results; `None` when it has not been run.
    #[must_use]
    pub fn load(path: &Path) -> Option<CompileCost> {
        std::fs::read_to_string(path)
            .ok()
            .map(|text| CompileCost::parse(&text))
    }

    /// Parses the Markdown and its data block: lines of `variant=NAME key=value ...`.
    ///
    /// ```
    /// use traced_benches::compile::CompileCost;
    /// let cost = CompileCost::parse("table\n<!-- compile-cost data\nvariant=traced lines_per_fn=30.5\n-->\n");
    /// assert_eq!(cost.get("traced", "lines_per_fn"), Some(30.5));
    /// assert_eq!(cost.markdown.trim(), "table");
    /// ```
    #[must_use]
    pub fn parse(text: &str) -> CompileCost {
        let (markdown, data) = match text.find(DATA_MARK) {
            Some(at) => (&text[..at], &text[at..]),
            None => (text, ""),
        };
        let mut values = BTreeMap::new();
        for line in data.lines() {
            let pairs: BTreeMap<&str, &str> = line
                .split_whitespace()
                .filter_map(|pair| pair.split_once('='))
                .collect();
            let Some(variant) = pairs.get("variant") else {
                continue;
            };
            let numbers = pairs
                .iter()
                .filter_map(|(k, v)| v.parse::<f64>().ok().map(|v| ((*k).to_owned(), v)))
                .collect();
            values.insert((*variant).to_owned(), numbers);
        }
        CompileCost {
            markdown: markdown.to_owned(),
            values,
        }
    }

    #[must_use]
    pub fn get(&self, variant: &str, key: &str) -> Option<f64> {
        self.values.get(variant)?.get(key).copied()
    }
}
