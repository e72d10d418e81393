//! Switching instrumentation on and off by crate, module and function, while the
//! program runs.
//!
//! A filter is a list of directives in the syntax of `RUST_LOG`: `path=value`,
//! separated by commas, and a bare `value` for everything else. A path is a crate,
//! a module path or a function (`my_crate`, `my_crate::db`,
//! `my_crate::db::hot_path`); a value is `on` or `off` (a level name such as
//! `info` is read as `on`, so that a `RUST_LOG` value works as it is). The most
//! specific path that matches a call site decides; with none, the bare value
//! does, and with no bare value, everything is on.
//!
//! ```
//! use traced::filter::{self, Filter};
//!
//! // Everything, but not the database module, except its hot path.
//! let filter: Filter = "info,my_crate::db=off,my_crate::db::hot_path=on".parse()?;
//! assert!(filter.enables("my_crate::api::get_user"));
//! assert!(!filter.enables("my_crate::db::load"));
//! assert!(filter.enables("my_crate::db::hot_path"));
//! filter::set(filter); // from now on, in every thread
//! # filter::clear();
//! # Ok::<(), traced::filter::FilterError>(())
//! ```
//!
//! `traced-sdk`'s setup reads [`VARIABLE`] (`TRACED_FILTER`). [`set`] replaces the
//! filter at any time: each call site keeps its answer and is told again when the
//! filter changes, so a call site switched off costs one load and a branch, as
//! with no tracing at all, and records nothing. Its function runs with its
//! caller's span current, so the spans under it stay in the trace.
//!
//! `#[traced]` call sites are named by their function's path
//! (`module_path!()::function`, and `Type::method` in an `impl` block). The
//! integration crates' spans are named `traced_http::server`,
//! `traced_http::client`, `traced_tonic::server`, `traced_tonic::client`,
//! `traced_lapin::publish`, `traced_lapin::process`, `traced_lapin::settle` and
//! `traced_sqlx::query`.

use std::fmt;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Mutex, PoisonError};

/// The environment variable `traced-sdk`'s setup reads the filter from.
pub const VARIABLE: &str = "TRACED_FILTER";

/// Which call sites record: directives by path; see the [module](self).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    /// The bare value: everything a directive does not name.
    default: Option<bool>,
    /// `(path, on)`, most specific (most segments) first.
    directives: Vec<(String, bool)>,
    /// Instrumentation scopes switched on or off (the declarative
    /// configuration's tracer configurator): `(name pattern, on)`, the first
    /// match deciding, for call sites no directive names.
    scopes: Vec<(String, bool)>,
    /// The configurator's default, for call sites no directive or scope names.
    scope_default: Option<bool>,
}

/// A directive [`Filter`] cannot read, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterError {
    /// The directive as written.
    pub directive: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

impl fmt::Display for FilterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:?} is not a filter directive: {} (write `path=on`, `path=off` or a bare `on`/`off`)",
            self.directive, self.reason
        )
    }
}

impl std::error::Error for FilterError {}

impl std::str::FromStr for Filter {
    type Err = FilterError;

    /// Reads a filter; the first directive it cannot read is the error.
    fn from_str(text: &str) -> Result<Filter, FilterError> {
        let (filter, errors) = Filter::parse_lenient(text);
        match errors.into_iter().next() {
            Some(error) => Err(error),
            None => Ok(filter),
        }
    }
}

impl Filter {
    /// Everything on: the filter in force until one is set.
    #[must_use]
    pub fn everything() -> Filter {
        Filter::default()
    }

    /// Reads what it can of `text`: the filter of the directives it could read,
    /// and an error for each it could not (left out).
    #[must_use]
    pub fn parse_lenient(text: &str) -> (Filter, Vec<FilterError>) {
        let mut filter = Filter::default();
        let mut errors = Vec::new();
        for directive in text.split(',').map(str::trim).filter(|d| !d.is_empty()) {
            match read(directive) {
                Ok((None, on)) => filter.default = Some(on),
                Ok((Some(path), on)) => {
                    filter.directives.retain(|(p, _)| p != path);
                    filter.directives.push((path.to_owned(), on));
                }
                Err(reason) => errors.push(FilterError {
                    directive: directive.to_owned(),
                    reason,
                }),
            }
        }
        filter
            .directives
            .sort_by_key(|(path, _)| std::cmp::Reverse(path.split("::").count()));
        (filter, errors)
    }

    /// Whether a call site named `path` records under this filter.
    #[must_use]
    pub fn enables(&self, path: &str) -> bool {
        self.enables_in(path, None)
    }

    /// [`Filter::enables`] for a call site of the instrumentation scope `scope`
    /// (its crate's package name), which the scope rules match; without one, the
    /// path's first segment stands for it.
    #[must_use]
    pub fn enables_in(&self, path: &str, scope: Option<&str>) -> bool {
        let path = path.strip_prefix("::").unwrap_or(path);
        if let Some(&(_, on)) = self.directives.iter().find(|(prefix, _)| {
            path.strip_prefix(prefix.as_str())
                .is_some_and(|rest| rest.is_empty() || rest.starts_with("::"))
        }) {
            return on;
        }
        let krate = scope.unwrap_or_else(|| path.split("::").next().unwrap_or(path));
        if let Some(&(_, on)) = self
            .scopes
            .iter()
            .find(|(pattern, _)| scope_matches(pattern, krate))
        {
            return on;
        }
        self.default.or(self.scope_default).unwrap_or(true)
    }

    /// This filter, with the instrumentation scopes matching `pattern` (a crate's
    /// package name, `*` matching any characters and `?` one) switched on or off,
    /// after the scope rules it has: the declarative configuration's
    /// `tracer_configurator/development` `tracers` entries, in order. Directives
    /// by path still win over them.
    ///
    /// ```
    /// use traced::filter::Filter;
    ///
    /// let filter = Filter::everything().with_scope("traced-sqlx", false);
    /// assert!(!filter.enables("traced_sqlx::query"));
    /// assert!(filter.enables("traced_http::server"));
    /// ```
    #[must_use]
    pub fn with_scope(mut self, pattern: &str, on: bool) -> Filter {
        self.scopes.push((pattern.to_owned(), on));
        self
    }

    /// This filter, with the scopes no rule names switched on or off (the
    /// configurator's `default_config`); the bare value of the directives still
    /// wins when given.
    #[must_use]
    pub fn with_scope_default(mut self, on: bool) -> Filter {
        self.scope_default = Some(on);
        self
    }

    /// This filter's directives by path, and `other`'s where this one has none.
    #[must_use]
    pub fn or(mut self, other: &Filter) -> Filter {
        for (path, on) in &other.directives {
            if !self.directives.iter().any(|(p, _)| p == path) {
                self.directives.push((path.clone(), *on));
            }
        }
        self.directives
            .sort_by_key(|(path, _)| std::cmp::Reverse(path.split("::").count()));
        self.default = self.default.or(other.default);
        self.scopes.extend(other.scopes.iter().cloned());
        self.scope_default = self.scope_default.or(other.scope_default);
        self
    }
}

/// Whether the scope `pattern` names the crate `krate` (a package name, or a
/// module path's first segment: `-` and `_` match each other); `*` matches any
/// characters, `?` one.
fn scope_matches(pattern: &str, krate: &str) -> bool {
    let dash = |c: char| if c == '-' { '_' } else { c };
    let pattern: Vec<char> = pattern.chars().map(dash).collect();
    let name: Vec<char> = krate.chars().map(dash).collect();
    glob(&pattern, &name)
}

fn glob(pattern: &[char], name: &[char]) -> bool {
    // The classic two-pointer match, backtracking to the last `*`.
    let (mut p, mut n) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while n < name.len() {
        match pattern.get(p) {
            Some('*') => {
                star = Some((p, n));
                p += 1;
            }
            Some(&c) if c == '?' || c == name[n] => {
                p += 1;
                n += 1;
            }
            _ => match star {
                Some((sp, sn)) => {
                    p = sp + 1;
                    n = sn + 1;
                    star = Some((sp, sn + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|&c| c == '*')
}

/// One directive: its path (`None` for a bare value) and whether it switches on.
fn read(directive: &str) -> Result<(Option<&str>, bool), &'static str> {
    let (path, value) = match directive.split_once('=') {
        Some((path, value)) => (Some(path.trim()), value.trim()),
        None => (None, directive),
    };
    let on = match value.to_ascii_lowercase().as_str() {
        "on" | "true" | "trace" | "debug" | "info" | "warn" | "error" => true,
        "off" | "false" => false,
        _ => return Err("the value is not on, off or a level"),
    };
    if let Some(path) = path {
        let valid = !path.is_empty()
            && path.split("::").all(|segment| {
                !segment.is_empty()
                    && segment
                        .chars()
                        .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
            });
        if !valid {
            return Err("the path is not a crate, module or function path");
        }
    }
    Ok((path, on))
}

/// A place that starts spans, switched on or off by the filter: a `#[traced]`
/// call site, or an integration's spans. It keeps the filter's answer and is told
/// again when the filter changes.
///
/// ```
/// static QUERIES: traced::filter::Switch = traced::filter::Switch::new("my_crate::queries");
///
/// if QUERIES.is_on() {
///     // start the span
/// }
/// ```
#[derive(Debug)]
pub struct Switch {
    path: &'static str,
    /// The instrumentation scope (a crate's package name), for the scope rules;
    /// `None`: the path's first segment stands for it.
    scope: Option<&'static str>,
    state: AtomicU8,
}

const UNKNOWN: u8 = 0;
const OFF: u8 = 1;
const ON: u8 = 2;

/// The filter in force and every switch that has asked it.
struct Switches {
    filter: Filter,
    known: Vec<&'static Switch>,
}

static SWITCHES: Mutex<Switches> = Mutex::new(Switches {
    filter: Filter {
        default: None,
        directives: Vec::new(),
        scopes: Vec::new(),
        scope_default: None,
    },
    known: Vec::new(),
});

impl Switch {
    /// The switch of the spans named `path`.
    #[must_use]
    pub const fn new(path: &'static str) -> Switch {
        Switch {
            path,
            scope: None,
            state: AtomicU8::new(UNKNOWN),
        }
    }

    /// The switch of the spans named `path`, of the instrumentation scope
    /// `scope` (the crate's package name).
    #[must_use]
    pub const fn scoped(path: &'static str, scope: &'static str) -> Switch {
        Switch {
            path,
            scope: Some(scope),
            state: AtomicU8::new(UNKNOWN),
        }
    }

    /// Whether the filter lets these spans record: one load, once known.
    #[inline]
    pub fn is_on(&'static self) -> bool {
        match self.state.load(Ordering::Relaxed) {
            ON => true,
            OFF => false,
            _ => self.ask(),
        }
    }

    /// Whether the filter is known to switch these spans off: one load, and false
    /// until the first start asks the filter.
    #[inline(always)]
    pub(crate) fn is_known_off(&self) -> bool {
        self.state.load(Ordering::Relaxed) == OFF
    }

    #[cold]
    fn ask(&'static self) -> bool {
        let mut switches = SWITCHES.lock().unwrap_or_else(PoisonError::into_inner);
        let on = switches.filter.enables_in(self.path, self.scope);
        if self
            .state
            .swap(if on { ON } else { OFF }, Ordering::Relaxed)
            == UNKNOWN
        {
            switches.known.push(self);
        }
        on
    }
}

/// Puts `filter` in force, for every call site from its next call on.
pub fn set(filter: Filter) {
    let mut switches = SWITCHES.lock().unwrap_or_else(PoisonError::into_inner);
    for switch in &switches.known {
        let on = filter.enables_in(switch.path, switch.scope);
        switch
            .state
            .store(if on { ON } else { OFF }, Ordering::Relaxed);
    }
    switches.filter = filter;
}

/// Switches everything on again.
pub fn clear() {
    set(Filter::everything());
}

/// The filter in force.
#[must_use]
pub fn current() -> Filter {
    SWITCHES
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .filter
        .clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_match_by_package_name_with_wildcards_the_first_rule_deciding() {
        let filter = Filter::everything()
            .with_scope("traced-*", false)
            .with_scope("traced-http", true)
            .with_scope("my-?pp", false)
            .with_scope_default(true);
        // The first matching rule decides: `traced-*` before `traced-http`.
        assert!(!filter.enables("traced_http::server"));
        assert!(!filter.enables("traced_sqlx::query"));
        assert!(!filter.enables("my_app::handlers::get"));
        assert!(filter.enables("my_apps::get"));
        assert!(filter.enables("other::f"));
        // A directive by path wins over the scopes.
        let filter = "traced_sqlx=on".parse::<Filter>().unwrap().or(&filter);
        assert!(filter.enables("traced_sqlx::query"));
        assert!(!filter.enables("traced_lapin::publish"));
        // The configurator's default applies where nothing else does.
        let off = Filter::everything().with_scope_default(false);
        assert!(!off.enables("any::thing"));
        assert!(glob(&['*'], &[]));
        assert!(!glob(&['a', '?'], &['a']));
        assert!(glob(&['*', 'b', '*'], &['a', 'b', 'c']));
    }

    #[test]
    fn the_most_specific_directive_decides() {
        let filter: Filter = "info,my_crate::db=off,my_crate::db::hot_path=on,other=off"
            .parse()
            .unwrap();
        assert!(filter.enables("my_crate::api::get_user"));
        assert!(!filter.enables("my_crate::db"));
        assert!(!filter.enables("my_crate::db::load"));
        assert!(filter.enables("my_crate::db::hot_path"));
        assert!(filter.enables("my_crate::db::hot_path::inner"));
        assert!(!filter.enables("::other::f"), "a leading `::` is ignored");
        assert!(
            filter.enables("my_crate::dbx"),
            "a path matches whole segments"
        );
        let off: Filter = "off,my_crate=on".parse().unwrap();
        assert!(!off.enables("elsewhere::f") && off.enables("my_crate::f"));
        assert!(Filter::everything().enables("anything"));
        assert!("".parse::<Filter>().unwrap().enables("anything"));
        let later: Filter = "a=off,a=on".parse().unwrap();
        assert!(later.enables("a::f"), "a later directive for a path wins");
    }

    #[test]
    fn bad_directives_are_errors_and_the_rest_still_apply() {
        for bad in ["a=loud", "=off", "a b=off", "a::=on", "a=b=c", "verbose"] {
            let error = bad.parse::<Filter>().unwrap_err();
            assert_eq!(error.directive, bad);
            assert!(
                error.to_string().contains("not a filter directive"),
                "{error}"
            );
        }
        let (filter, errors) = Filter::parse_lenient("db=off, x=loud ,api=ON");
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].directive, "x=loud");
        assert!(!filter.enables("db::q") && filter.enables("api::get"));
    }
}
