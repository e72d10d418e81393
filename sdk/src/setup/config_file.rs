//! `OTEL_CONFIG_FILE`: what traced reads of the OpenTelemetry declarative
//! configuration file. Two things:
//!
//! * `disabled: true`, as `OTEL_SDK_DISABLED=true`;
//! * `tracer_provider.tracer_configurator/development`: which instrumentation
//!   scopes record. `default_config.disabled` switches every scope, and each
//!   `tracers` entry (`name`, a scope name with `*` and `?` wildcards, and
//!   `config.disabled`) switches the scopes it names, the first matching entry
//!   deciding. A scope is a crate's package name: an application's own crates
//!   for their `#[traced]` functions, `traced-http`, `traced-tonic`,
//!   `traced-lapin` and `traced-sqlx` for the integrations' spans and metrics.
//!
//! Scalars may be `${VAR}` or `${VAR:-default}`, substituted from the
//! environment. Everything else the file says is not read (one warning names
//! those sections): the rest of the setup comes from the `OTEL_*` variables and
//! the code, as without a file.

use super::env::Lookup;
use traced::filter::Filter;
use yaml_rust2::{Yaml, YamlLoader};

/// What the file says that traced reads.
#[derive(Clone, Debug, Default)]
pub(crate) struct FileSettings {
    pub(crate) disabled: bool,
    /// The tracer configurator, as scope rules of a filter; `None`: not given.
    pub(crate) filter: Option<Filter>,
}

/// The sections of the file's top level that traced reads.
const READ: [&str; 3] = ["file_format", "disabled", "tracer_provider"];

/// Reads the file at `path`; a file that cannot be read or parsed gets one
/// warning and is left out.
pub(crate) fn read(path: &str, lookup: &Lookup, warn: &mut dyn FnMut(String)) -> FileSettings {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) => {
            warn(format!(
                "OTEL_CONFIG_FILE={path:?} cannot be read ({e}); it is left out"
            ));
            return FileSettings::default();
        }
    };
    match parse(&text, lookup, warn) {
        Ok(settings) => settings,
        Err(why) => {
            warn(format!("OTEL_CONFIG_FILE={path:?}: {why}; it is left out"));
            FileSettings::default()
        }
    }
}

fn parse(
    text: &str,
    lookup: &Lookup,
    warn: &mut dyn FnMut(String),
) -> Result<FileSettings, String> {
    let docs = YamlLoader::load_from_str(text).map_err(|e| format!("not YAML: {e}"))?;
    let Some(doc) = docs.first().filter(|d| d.as_hash().is_some()) else {
        return Err("not a mapping of configuration sections".into());
    };
    if doc["file_format"].is_badvalue() {
        return Err("it has no `file_format`, which every configuration file names".into());
    }
    let ignored: Vec<String> = doc
        .as_hash()
        .into_iter()
        .flatten()
        .filter_map(|(key, _)| key.as_str())
        .filter(|key| !READ.contains(key))
        .map(|key| format!("`{key}`"))
        .collect();
    if !ignored.is_empty() {
        warn(format!(
            "OTEL_CONFIG_FILE: traced reads `disabled` and the tracer configurator only; {} not read (the OTEL_* variables and the code still apply)",
            ignored.join(", ")
        ));
    }
    let disabled = boolean(&doc["disabled"], "disabled", lookup)?.unwrap_or(false);
    let configurator = &doc["tracer_provider"]["tracer_configurator/development"];
    let filter = if configurator.is_badvalue() {
        None
    } else {
        Some(tracer_configurator(configurator, lookup)?)
    };
    Ok(FileSettings { disabled, filter })
}

/// The configurator as a filter of scope rules.
fn tracer_configurator(configurator: &Yaml, lookup: &Lookup) -> Result<Filter, String> {
    let mut filter = Filter::everything();
    let default = &configurator["default_config"]["disabled"];
    if let Some(disabled) = boolean(default, "default_config.disabled", lookup)? {
        filter = filter.with_scope_default(!disabled);
    }
    let tracers = &configurator["tracers"];
    if tracers.is_badvalue() {
        return Ok(filter);
    }
    let Some(tracers) = tracers.as_vec() else {
        return Err("`tracers` is not a list".into());
    };
    for (i, tracer) in tracers.iter().enumerate() {
        let name = scalar(&tracer["name"], lookup)
            .ok_or_else(|| format!("`tracers[{i}]` has no `name`"))?;
        let disabled =
            boolean(&tracer["config"]["disabled"], "config.disabled", lookup)?.unwrap_or(false);
        filter = filter.with_scope(&name, !disabled);
    }
    Ok(filter)
}

/// A scalar as text, with `${VAR}` and `${VAR:-default}` substituted.
fn scalar(value: &Yaml, lookup: &Lookup) -> Option<String> {
    let text = match value {
        Yaml::String(s) | Yaml::Real(s) => s.clone(),
        Yaml::Integer(i) => i.to_string(),
        Yaml::Boolean(b) => b.to_string(),
        _ => return None,
    };
    Some(substitute(&text, lookup))
}

/// A boolean setting; `None` when absent.
fn boolean(value: &Yaml, what: &str, lookup: &Lookup) -> Result<Option<bool>, String> {
    if value.is_badvalue() || matches!(value, Yaml::Null) {
        return Ok(None);
    }
    match scalar(value, lookup).as_deref() {
        Some("true") => Ok(Some(true)),
        Some("false") => Ok(Some(false)),
        other => Err(format!("`{what}` is {other:?}, not true or false")),
    }
}

/// `${VAR}` and `${VAR:-default}` in `text`, from the environment (an unset
/// variable without a default is empty, as the specification says).
fn substitute(text: &str, lookup: &Lookup) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let Some(end) = rest[start..].find('}') else {
            out.push_str(&rest[start..]);
            return out;
        };
        let inner = &rest[start + 2..start + end];
        let (name, default) = match inner.split_once(":-") {
            Some((name, default)) => (name, Some(default)),
            None => (inner, None),
        };
        let name = name.strip_prefix("env:").unwrap_or(name);
        match lookup(name).filter(|v| !v.is_empty()) {
            Some(value) => out.push_str(&value),
            None => out.push_str(default.unwrap_or("")),
        }
        rest = &rest[start + end + 1..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(text: &str, env: &[(&str, &str)]) -> (Result<FileSettings, String>, Vec<String>) {
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let lookup = move |name: &str| env.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
        let mut warnings = Vec::new();
        let parsed = parse(text, &lookup, &mut |w| warnings.push(w));
        (parsed, warnings)
    }

    #[test]
    fn the_tracer_configurator_switches_scopes_the_first_match_deciding() {
        let (parsed, warnings) = settings(
            r#"
file_format: "1.0-rc.1"
tracer_provider:
  processors:
    - batch: {}
  tracer_configurator/development:
    default_config:
      disabled: ${DEFAULT_OFF:-false}
    tracers:
      - name: traced-sqlx
        config:
          disabled: true
      - name: "my-*"
        config:
          disabled: false
meter_provider: {}
"#,
            &[],
        );
        let filter = parsed.unwrap().filter.unwrap();
        assert!(!filter.enables("traced_sqlx::query"));
        assert!(filter.enables("my_app::handlers::get"));
        assert!(filter.enables("traced_http::server"));
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(warnings[0].contains("`meter_provider`"), "{warnings:?}");
    }

    #[test]
    fn variables_are_substituted_and_the_default_config_applies() {
        let (parsed, _) = settings(
            "file_format: '1.0'\ndisabled: ${OFF}\ntracer_provider:\n  tracer_configurator/development:\n    default_config:\n      disabled: ${DEFAULT_OFF:-false}\n",
            &[("OFF", "false"), ("DEFAULT_OFF", "true")],
        );
        let parsed = parsed.unwrap();
        assert!(!parsed.disabled);
        assert!(!parsed.filter.unwrap().enables("anything::at_all"));
    }

    #[test]
    fn bad_files_say_why() {
        assert!(settings("tracer_provider: {}", &[])
            .0
            .unwrap_err()
            .contains("file_format"));
        assert!(settings("- a\n- b", &[]).0.unwrap_err().contains("mapping"));
        assert!(settings("file_format: 1\ndisabled: maybe", &[])
            .0
            .unwrap_err()
            .contains("`disabled`"));
        assert!(settings("file_format: 1\ndisabled: [", &[])
            .0
            .unwrap_err()
            .contains("YAML"));
        let (parsed, _) = settings(
            "file_format: 1\ntracer_provider:\n  tracer_configurator/development:\n    tracers:\n      - config: {disabled: true}\n",
            &[],
        );
        assert!(parsed.unwrap_err().contains("no `name`"));
    }
}
