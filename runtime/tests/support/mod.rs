//! What the propagation tests share.

use traced::otel::propagation::Extractor;

/// Header lines as a request carries them: a name may come more than once, and
/// names match in any case.
pub struct Headers<'a>(pub Vec<(&'a str, &'a str)>);

impl Extractor for Headers<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.get_all(key).map(|values| values[0])
    }

    fn get_all(&self, key: &str) -> Option<Vec<&str>> {
        let values: Vec<&str> = self
            .0
            .iter()
            .filter(|(name, _)| name.eq_ignore_ascii_case(key))
            .map(|&(_, value)| value)
            .collect();
        (!values.is_empty()).then_some(values)
    }

    fn keys(&self) -> Vec<&str> {
        self.0.iter().map(|&(name, _)| name).collect()
    }
}
