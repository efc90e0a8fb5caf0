//! Command-line flags of the modes: `--name value` pairs, plus a few named booleans.
//!
//! Every mode takes its flags out one by one and then asks what is left, so a misspelt
//! flag is an error instead of a silently ignored default: a benchmark that quietly ran
//! the wrong scenario would report numbers nobody asked for.

use std::collections::HashMap;
use std::str::FromStr;

pub struct Flags {
    values: HashMap<String, String>,
}

impl Flags {
    /// Parses `args` (after the mode). Flags named in `booleans` take no value.
    pub fn parse(args: &[String], booleans: &[&str]) -> Result<Flags, String> {
        let mut values = HashMap::new();
        let mut args = args.iter();
        while let Some(flag) = args.next() {
            if !flag.starts_with("--") {
                return Err(format!("unexpected argument {flag:?}"));
            }
            let value = if booleans.contains(&flag.as_str()) {
                "true".to_string()
            } else {
                args.next()
                    .ok_or_else(|| format!("{flag} needs a value"))?
                    .clone()
            };
            if values.insert(flag.clone(), value).is_some() {
                return Err(format!("{flag} given twice"));
            }
        }
        Ok(Flags { values })
    }

    /// The value of `flag` parsed as `T`, or `None` when it was not given.
    pub fn take<T: FromStr>(&mut self, flag: &str) -> Result<Option<T>, String> {
        match self.values.remove(flag) {
            None => Ok(None),
            Some(value) => value
                .parse()
                .map(Some)
                .map_err(|_| format!("invalid value {value:?} for {flag}")),
        }
    }

    /// The value of `flag`, or `default` when it was not given.
    pub fn take_or<T: FromStr>(&mut self, flag: &str, default: T) -> Result<T, String> {
        Ok(self.take(flag)?.unwrap_or(default))
    }

    /// Whether the boolean `flag` was given.
    pub fn take_bool(&mut self, flag: &str) -> bool {
        self.values.remove(flag).is_some()
    }

    /// Fails if any flag was given that the mode did not take.
    pub fn finish(self) -> Result<(), String> {
        let mut left: Vec<_> = self.values.into_keys().collect();
        left.sort();
        match left.first() {
            None => Ok(()),
            Some(flag) => Err(format!("unknown option {flag:?} for this mode")),
        }
    }
}

/// A measured duration in seconds, as every timed mode takes it.
pub fn seconds(flags: &mut Flags, default: f64) -> Result<f64, String> {
    let seconds = flags.take_or("--seconds", default)?;
    if !(seconds.is_finite() && seconds > 0.0 && seconds <= 3600.0) {
        return Err("--seconds must be more than 0 and at most 3600".into());
    }
    Ok(seconds)
}

/// A count that must be at least one (connections, sizes, windows).
pub fn positive(flags: &mut Flags, flag: &str, default: usize) -> Result<usize, String> {
    let value = flags.take_or(flag, default)?;
    if value == 0 {
        return Err(format!("{flag} must be at least 1"));
    }
    Ok(value)
}
