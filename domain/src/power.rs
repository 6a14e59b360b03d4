//! The power and responsibility list (权责清单): what a power item says. Power items belong to
//! the department that implements them and live in its stream (see
//! `ops/adr/0007-three-lists.md`); this module holds their value types and rules.

use serde::{Deserialize, Serialize};

use crate::values::{DayKind, DepartmentLevel, EntityId, Name, Text, TimeLimit, ValueError};

/// The kind of a power (权力类型), with the numeric codes used in provincial lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum PowerKind {
    /// 01 行政许可
    Licensing,
    /// 02 行政处罚
    Penalty,
    /// 03 行政强制
    Enforcement,
    /// 04 行政征收
    Levy,
    /// 05 行政给付
    Payment,
    /// 06 行政检查
    Inspection,
    /// 07 行政确认
    Confirmation,
    /// 08 行政奖励
    Reward,
    /// 09 行政裁决
    Adjudication,
    /// 10 其他行政权力
    Other,
    /// 20 公共服务
    PublicService,
}

impl PowerKind {
    /// Every kind, in code order.
    pub const ALL: [PowerKind; 11] = [
        PowerKind::Licensing,
        PowerKind::Penalty,
        PowerKind::Enforcement,
        PowerKind::Levy,
        PowerKind::Payment,
        PowerKind::Inspection,
        PowerKind::Confirmation,
        PowerKind::Reward,
        PowerKind::Adjudication,
        PowerKind::Other,
        PowerKind::PublicService,
    ];

    /// The numeric code (`01`..`10`, `20`).
    pub fn code(self) -> &'static str {
        match self {
            PowerKind::Licensing => "01",
            PowerKind::Penalty => "02",
            PowerKind::Enforcement => "03",
            PowerKind::Levy => "04",
            PowerKind::Payment => "05",
            PowerKind::Inspection => "06",
            PowerKind::Confirmation => "07",
            PowerKind::Reward => "08",
            PowerKind::Adjudication => "09",
            PowerKind::Other => "10",
            PowerKind::PublicService => "20",
        }
    }

    /// The Chinese name.
    pub fn chinese(self) -> &'static str {
        match self {
            PowerKind::Licensing => "行政许可",
            PowerKind::Penalty => "行政处罚",
            PowerKind::Enforcement => "行政强制",
            PowerKind::Levy => "行政征收",
            PowerKind::Payment => "行政给付",
            PowerKind::Inspection => "行政检查",
            PowerKind::Confirmation => "行政确认",
            PowerKind::Reward => "行政奖励",
            PowerKind::Adjudication => "行政裁决",
            PowerKind::Other => "其他行政权力",
            PowerKind::PublicService => "公共服务",
        }
    }

    /// Parses a kind as lists write it: the numeric code (`1`, `01`, `20`), the Chinese name
    /// with or without `行政` (`行政许可`, `许可`, `其他权力`), or the English name.
    pub fn parse(input: &str) -> Result<PowerKind, ValueError> {
        let s = input.trim();
        let bad = || ValueError::InvalidText {
            field: "kind",
            reason: format!("{s:?} is not a power kind (01-10, 20, or e.g. 行政许可)"),
        };
        if !s.is_empty() && s.len() <= 2 && s.bytes().all(|b| b.is_ascii_digit()) {
            let n: u8 = s.parse().map_err(|_| bad())?;
            return PowerKind::ALL
                .into_iter()
                .find(|k| k.code().parse::<u8>().ok() == Some(n))
                .ok_or_else(bad);
        }
        let stripped = s.strip_prefix("行政").unwrap_or(s);
        for k in PowerKind::ALL {
            let name = k.chinese();
            let short = name.strip_prefix("行政").unwrap_or(name);
            if s == name
                || stripped == short
                || (k == PowerKind::Other && (s == "其他" || s == "其他权力"))
            {
                return Ok(k);
            }
            if s.eq_ignore_ascii_case(&format!("{k:?}")) {
                return Ok(k);
            }
        }
        Err(bad())
    }

    /// The standard responsibility stages (责任事项环节) of this kind, where a template exists.
    pub fn template_stages(self) -> &'static [&'static str] {
        match self {
            PowerKind::Licensing => &["受理", "审查", "决定", "送达", "事后监管"],
            PowerKind::Penalty => &["立案", "调查取证", "审理", "告知", "决定", "送达", "执行"],
            _ => &[],
        }
    }
}

/// A power item's code (事项编码): 1 to 64 characters of letters, digits, `-`, `_` and `.`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PowerCode(String);

impl PowerCode {
    /// Parses a code.
    pub fn parse(input: &str) -> Result<Self, ValueError> {
        let s = input.trim();
        let ok = !s.is_empty()
            && s.len() <= 64
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
        if ok {
            Ok(Self(s.to_owned()))
        } else {
            Err(ValueError::InvalidText {
                field: "code",
                reason: format!(
                    "{:?} is not a power item code (1-64 letters, digits, - _ .)",
                    s.chars().take(80).collect::<String>()
                ),
            })
        }
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for PowerCode {
    type Error = ValueError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<PowerCode> for String {
    fn from(value: PowerCode) -> Self {
        value.0
    }
}

/// Everything a power item says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PowerItemDetails {
    /// 事项编码.
    pub code: PowerCode,
    /// 事项名称.
    pub name: Name,
    /// 子项名称, if the item is split into sub-items.
    pub sub_item: Option<Name>,
    /// 权力类型.
    pub kind: PowerKind,
    /// 设定依据 / 实施依据.
    pub legal_basis: Text,
    /// 承办科室: the unit of the department that implements it.
    pub unit_id: EntityId,
    /// 行使层级.
    pub level: DepartmentLevel,
    /// 责任事项: the responsibility stages, in order.
    pub stages: Vec<Name>,
    /// 追责情形: the cases in which someone is held accountable.
    pub accountability: Vec<Text>,
    /// 法定时限.
    pub statutory_limit: Option<TimeLimit>,
    /// 承诺时限 (must not exceed the statutory limit).
    pub promised_limit: Option<TimeLimit>,
}

/// An amendment of a power item: the fields it names, and nothing else (DESIGN.md rule 9). A
/// field left out keeps the value in force at the amendment's effective time.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PowerItemPatch {
    /// 事项编码.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<PowerCode>,
    /// 事项名称.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<Name>,
    /// 子项名称, set (`Some(Some)`) or cleared (`Some(None)`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_item: Option<Option<Name>>,
    /// 权力类型.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<PowerKind>,
    /// 设定依据.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legal_basis: Option<Text>,
    /// 承办科室.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit_id: Option<EntityId>,
    /// 行使层级.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<DepartmentLevel>,
    /// 责任事项 (the whole list).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stages: Option<Vec<Name>>,
    /// 追责情形 (the whole list).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accountability: Option<Vec<Text>>,
    /// 法定时限, set or cleared.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub statutory_limit: Option<Option<TimeLimit>>,
    /// 承诺时限, set or cleared.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub promised_limit: Option<Option<TimeLimit>>,
}

impl PowerItemPatch {
    /// The patch that sets every field to `details` (what a full replacement says).
    pub fn replacing(details: &PowerItemDetails) -> Self {
        Self {
            code: Some(details.code.clone()),
            name: Some(details.name.clone()),
            sub_item: Some(details.sub_item.clone()),
            kind: Some(details.kind),
            legal_basis: Some(details.legal_basis.clone()),
            unit_id: Some(details.unit_id.clone()),
            level: Some(details.level),
            stages: Some(details.stages.clone()),
            accountability: Some(details.accountability.clone()),
            statutory_limit: Some(details.statutory_limit),
            promised_limit: Some(details.promised_limit),
        }
    }

    /// Whether it names no field.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// `details` with the named fields changed.
    pub fn apply(&self, details: &PowerItemDetails) -> PowerItemDetails {
        fn set<T: Clone>(field: &Option<T>, target: &mut T) {
            if let Some(v) = field {
                *target = v.clone();
            }
        }
        let mut d = details.clone();
        set(&self.code, &mut d.code);
        set(&self.name, &mut d.name);
        set(&self.sub_item, &mut d.sub_item);
        set(&self.kind, &mut d.kind);
        set(&self.legal_basis, &mut d.legal_basis);
        set(&self.unit_id, &mut d.unit_id);
        set(&self.level, &mut d.level);
        set(&self.stages, &mut d.stages);
        set(&self.accountability, &mut d.accountability);
        set(&self.statutory_limit, &mut d.statutory_limit);
        set(&self.promised_limit, &mut d.promised_limit);
        d
    }

    /// The patch of the fields in which `after` differs from `before` (what an event records).
    pub fn between(before: &PowerItemDetails, after: &PowerItemDetails) -> Self {
        fn diff<T: Clone + PartialEq>(a: &T, b: &T) -> Option<T> {
            (a != b).then(|| b.clone())
        }
        Self {
            code: diff(&before.code, &after.code),
            name: diff(&before.name, &after.name),
            sub_item: diff(&before.sub_item, &after.sub_item),
            kind: diff(&before.kind, &after.kind),
            legal_basis: diff(&before.legal_basis, &after.legal_basis),
            unit_id: diff(&before.unit_id, &after.unit_id),
            level: diff(&before.level, &after.level),
            stages: diff(&before.stages, &after.stages),
            accountability: diff(&before.accountability, &after.accountability),
            statutory_limit: diff(&before.statutory_limit, &after.statutory_limit),
            promised_limit: diff(&before.promised_limit, &after.promised_limit),
        }
    }
}

/// A time limit in calendar days, for comparing limits counted differently (five working days
/// make a calendar week).
pub fn calendar_days(limit: TimeLimit) -> u32 {
    let days = u32::from(limit.days());
    match limit.kind() {
        DayKind::Calendar => days,
        DayKind::Working => (days * 7).div_ceil(5),
    }
}

/// Whether a promised limit exceeds a statutory one (compared in calendar days when they are
/// counted differently).
pub fn promise_exceeds_statute(promised: TimeLimit, statutory: TimeLimit) -> bool {
    if promised.kind() == statutory.kind() {
        promised.days() > statutory.days()
    } else {
        calendar_days(promised) > calendar_days(statutory)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_parse_from_codes_and_names() {
        assert_eq!(PowerKind::parse("01"), Ok(PowerKind::Licensing));
        assert_eq!(PowerKind::parse("1"), Ok(PowerKind::Licensing));
        assert_eq!(PowerKind::parse("20"), Ok(PowerKind::PublicService));
        assert_eq!(PowerKind::parse("10"), Ok(PowerKind::Other));
        assert_eq!(PowerKind::parse("行政处罚"), Ok(PowerKind::Penalty));
        assert_eq!(PowerKind::parse("处罚"), Ok(PowerKind::Penalty));
        assert_eq!(PowerKind::parse("其他行政权力"), Ok(PowerKind::Other));
        assert_eq!(PowerKind::parse("其他权力"), Ok(PowerKind::Other));
        assert_eq!(PowerKind::parse("公共服务"), Ok(PowerKind::PublicService));
        assert_eq!(PowerKind::parse("licensing"), Ok(PowerKind::Licensing));
        for bad in ["", "11", "19", "21", "许可证", "x"] {
            assert!(PowerKind::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn promised_limits_compare_across_day_kinds() {
        let w = |d| TimeLimit::new(d, DayKind::Working).expect("limit");
        let c = |d| TimeLimit::new(d, DayKind::Calendar).expect("limit");
        assert!(!promise_exceeds_statute(w(10), w(20)));
        assert!(promise_exceeds_statute(w(21), w(20)));
        assert!(!promise_exceeds_statute(w(20), c(30)));
        assert!(promise_exceeds_statute(w(25), c(30)));
        assert!(!promise_exceeds_statute(c(28), w(20)));
    }

    #[test]
    fn codes_are_checked() {
        assert!(PowerCode::parse("XK-0101.2").is_ok());
        assert!(PowerCode::parse(" 370113001000 ").is_ok());
        assert!(PowerCode::parse("").is_err());
        assert!(PowerCode::parse("许可").is_err());
    }
}
