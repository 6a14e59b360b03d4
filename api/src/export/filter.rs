//! The export filter, from `KEY=VALUE` pairs (the CLI's `--filter`, the downloads' query
//! parameters). The keys are a contract: `department` (a credit code; repeat it for several),
//! `task`, `version` (a chart version), `from` and `to` (days of receipt, Beijing time, both
//! inclusive, `YYYY-MM-DD`), `region` (a 12-digit division code: the applicants in that
//! division and what lies in it).

use chrono::NaiveDate;
use dutyledger_domain::values::{CreditCode, DivisionCode, DivisionLevel, EntityId};
use dutyledger_projections::cases::trail::TrailFilter;

use crate::service::AppError;

/// The filter keys.
pub const KEYS: [&str; 6] = ["department", "task", "version", "from", "to", "region"];

fn bad(key: &str, rule: &'static str, message: String) -> AppError {
    AppError::BadInput {
        message: format!("filter {key}: {message}"),
        field: Some(format!("filter.{key}")),
        rule: Some(rule),
    }
}

/// Parses `KEY=VALUE` strings (as the CLI gives them).
pub fn parse_filter_args(args: &[String]) -> Result<TrailFilter, AppError> {
    let mut pairs = Vec::with_capacity(args.len());
    for a in args {
        let (k, v) = a.split_once('=').ok_or_else(|| {
            bad(
                a,
                "INVALID_FILTER",
                format!("{a:?} is not KEY=VALUE (keys: {})", KEYS.join(", ")),
            )
        })?;
        pairs.push((k.trim().to_owned(), v.trim().to_owned()));
    }
    parse_filter(&pairs)
}

/// Parses key-value pairs into the trail's filter (`department` may repeat; other keys may
/// not).
pub fn parse_filter(pairs: &[(String, String)]) -> Result<TrailFilter, AppError> {
    let mut f = TrailFilter::default();
    let mut seen: Vec<&str> = Vec::new();
    for (k, v) in pairs {
        let key = k.as_str();
        if !KEYS.contains(&key) {
            return Err(bad(
                key,
                "UNKNOWN_FILTER_KEY",
                format!("unknown key (keys: {})", KEYS.join(", ")),
            ));
        }
        if key != "department" && seen.contains(&key) {
            return Err(bad(key, "INVALID_FILTER", "given twice".to_owned()));
        }
        seen.push(key);
        let invalid = |e: &dyn std::fmt::Display| bad(key, "INVALID_FILTER", format!("{v:?}: {e}"));
        match key {
            "department" => {
                let code = CreditCode::parse(v).map_err(|e| invalid(&e))?;
                f.departments
                    .get_or_insert_with(Vec::new)
                    .push(code.to_string());
            }
            "task" => f.task = Some(EntityId::parse(v).map_err(|e| invalid(&e))?.to_string()),
            "version" => {
                let n: i32 = v
                    .parse()
                    .ok()
                    .filter(|n| *n >= 1)
                    .ok_or_else(|| invalid(&"a chart version is a whole number from 1"))?;
                f.version = Some(n);
            }
            "from" | "to" => {
                let d = NaiveDate::parse_from_str(v, "%Y-%m-%d").map_err(|e| invalid(&e))?;
                if key == "from" {
                    f.from = Some(d);
                } else {
                    f.to = Some(d);
                }
            }
            _ => {
                let code = DivisionCode::parse(v).map_err(|e| invalid(&e))?;
                let len = match code.level() {
                    DivisionLevel::Province => 2,
                    DivisionLevel::City => 4,
                    DivisionLevel::County => 6,
                    DivisionLevel::Township => 9,
                    DivisionLevel::Village => 12,
                };
                f.region_prefix = Some(code.as_str()[..len].to_owned());
            }
        }
    }
    if let (Some(from), Some(to)) = (f.from, f.to) {
        if from > to {
            return Err(bad(
                "from",
                "INVALID_FILTER",
                format!("the range starts ({from}) after it ends ({to})"),
            ));
        }
    }
    Ok(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn every_key_parses() {
        let f = parse_filter_args(&args(&[
            "task=emb-relief-t1",
            "version=2",
            "from=2025-01-01",
            "to=2025-12-31",
            "region=371302000000",
        ]))
        .expect("filter");
        assert_eq!(f.task.as_deref(), Some("emb-relief-t1"));
        assert_eq!(f.version, Some(2));
        assert_eq!(f.region_prefix.as_deref(), Some("371302"));
        assert_eq!(f.to, NaiveDate::from_ymd_opt(2025, 12, 31));
    }

    #[test]
    fn a_bad_filter_names_its_key_and_rule() {
        let e = parse_filter_args(&args(&["colour=red"])).expect_err("unknown");
        assert_eq!(e.rule(), Some("UNKNOWN_FILTER_KEY"));
        let e = parse_filter_args(&args(&["version=0"])).expect_err("version");
        assert_eq!(e.rule(), Some("INVALID_FILTER"));
        let e = parse_filter_args(&args(&["from=2025-02-01", "to=2025-01-01"])).expect_err("range");
        assert_eq!(e.rule(), Some("INVALID_FILTER"));
        let e = parse_filter_args(&args(&["department"])).expect_err("no =");
        assert_eq!(e.code().as_str(), "BAD_USER_INPUT");
    }
}
