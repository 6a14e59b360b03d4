//! Value types that parse their input once, at the edge, so the rest of the code can trust them
//! ("parse, don't validate"). Every constructor that takes user input returns a [`ValueError`].

use std::fmt;

use serde::{Deserialize, Serialize};

/// Why a piece of input could not become a value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValueError {
    /// A unified social credit code that is not 18 characters of the GB 32100 alphabet with a
    /// correct check character.
    #[error("invalid unified social credit code {0:?}: {1}")]
    InvalidCreditCode(String, &'static str),
    /// A division code that is not 12 digits in the national hierarchy.
    #[error("invalid administrative division code {0:?}: {1}")]
    InvalidDivisionCode(String, &'static str),
    /// An id that is empty, too long or uses characters outside `[A-Za-z0-9._:-]`.
    #[error(
        "invalid id {0:?}: ids are 1 to 64 characters of letters, digits, '.', '_', ':' and '-'"
    )]
    InvalidId(String),
    /// A name or text that is empty, too long or contains control characters.
    #[error("invalid {field}: {reason}")]
    InvalidText {
        /// which field
        field: &'static str,
        /// what is wrong with it
        reason: String,
    },
    /// A number outside its allowed range.
    #[error("{field} must be between {min} and {max}, got {value}")]
    OutOfRange {
        /// which field
        field: &'static str,
        /// the lowest allowed value
        min: i64,
        /// the highest allowed value
        max: i64,
        /// what was given
        value: i64,
    },
}

impl ValueError {
    /// The rule broken, as a stable code clients match on (`extensions.rule`).
    pub fn rule(&self) -> &'static str {
        match self {
            ValueError::InvalidCreditCode(..) => "INVALID_CREDIT_CODE",
            ValueError::InvalidDivisionCode(..) => "INVALID_DIVISION_CODE",
            ValueError::InvalidId(_) => "INVALID_ID",
            ValueError::InvalidText { .. } => "INVALID_TEXT",
            ValueError::OutOfRange { .. } => "OUT_OF_RANGE",
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Unified social credit code (统一社会信用代码, GB 32100-2015)
// ---------------------------------------------------------------------------------------------

/// The 31 characters of the GB 32100 alphabet, in value order (no I, O, S, V, Z).
const CREDIT_ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
/// Weights of positions 1 to 17 (3^(i-1) mod 31).
const CREDIT_WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];
/// Weights of the organisation code body (GB 11714), positions 1 to 8.
const ORG_WEIGHTS: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];

fn credit_value(c: u8) -> Option<u32> {
    CREDIT_ALPHABET
        .iter()
        .position(|&a| a == c)
        .map(|p| p as u32)
}

/// The GB 11714 check character of an organisation code's 8-character body (digits, or upper
/// case letters valued A = 10 ... Z = 35): `11 - sum % 11`, written `X` for 10 and `0` for 11.
fn org_check_char(body: &[u8]) -> Option<u8> {
    let mut sum = 0u32;
    for (&c, w) in body.iter().zip(ORG_WEIGHTS) {
        let value = match c {
            b'0'..=b'9' => u32::from(c - b'0'),
            b'A'..=b'Z' => u32::from(c - b'A') + 10,
            _ => return None,
        };
        sum += value * w;
    }
    Some(match 11 - sum % 11 {
        10 => b'X',
        11 => b'0',
        d => b'0' + d as u8,
    })
}

/// The check character (position 18) of the first 17 characters of a credit code.
fn credit_check_char(first17: &[u8]) -> Option<u8> {
    let mut sum = 0u32;
    for (c, w) in first17.iter().zip(CREDIT_WEIGHTS) {
        sum += credit_value(*c)? * w;
    }
    let check = (31 - sum % 31) % 31;
    Some(CREDIT_ALPHABET[check as usize])
}

/// A department's 18-character unified social credit code: registration authority, kind of
/// body, the 6-digit division where it was registered, the 9-character organisation code and a
/// check character over the first 17 (GB 32100). It identifies a department everywhere.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CreditCode(String);

impl CreditCode {
    /// Parses a code, checking length, alphabet, the division digits, the embedded organisation
    /// code's check character (the 17th, GB 11714) and the code's own (the 18th, GB 32100).
    pub fn parse(input: &str) -> Result<Self, ValueError> {
        let err = |why| ValueError::InvalidCreditCode(input.chars().take(40).collect(), why);
        let bytes = input.as_bytes();
        if input.chars().count() != 18 || bytes.len() != 18 {
            return Err(err("it must be exactly 18 characters"));
        }
        if bytes.iter().any(|b| b.is_ascii_lowercase()) {
            return Err(err("letters must be upper case"));
        }
        if bytes.iter().any(|&b| credit_value(b).is_none()) {
            return Err(err(
                "it may only contain digits and the letters A-H, J-N, P-R, T, U, W-Y",
            ));
        }
        if !bytes[2..8].iter().all(u8::is_ascii_digit) {
            return Err(err(
                "characters 3 to 8 must be the digits of a division code",
            ));
        }
        if org_check_char(&bytes[8..16]) != Some(bytes[16]) {
            return Err(err(
                "the organisation code's check character (the 17th, GB 11714) does not match",
            ));
        }
        if credit_check_char(&bytes[..17]) != Some(bytes[17]) {
            return Err(err("the check character (the 18th) does not match"));
        }
        Ok(Self(input.to_owned()))
    }

    /// Builds a valid code from its parts, computing the organisation code's check character
    /// (GB 11714) and the code's own check character (GB 32100). `authority` and `kind` are the
    /// registration authority and body kind characters (`'1'`, `'1'` for a government organ
    /// registered by an establishment office); `division` is 6 digits; `org_body` 8 digits.
    pub fn from_parts(
        authority: char,
        kind: char,
        division: &str,
        org_body: &str,
    ) -> Result<Self, ValueError> {
        let bad = |why| {
            ValueError::InvalidCreditCode(format!("{authority}{kind}{division}{org_body}"), why)
        };
        if division.len() != 6 || !division.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad("the division part must be 6 digits"));
        }
        if org_body.len() != 8 || !org_body.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad("the organisation code body must be 8 digits"));
        }
        let org_check = org_check_char(org_body.as_bytes())
            .map(char::from)
            .ok_or_else(|| bad("the organisation code body must be 8 digits"))?;
        let first17 = format!("{authority}{kind}{division}{org_body}{org_check}");
        let check = credit_check_char(first17.as_bytes())
            .ok_or_else(|| bad("authority and kind must be in the GB 32100 alphabet"))?;
        Self::parse(&format!("{first17}{}", char::from(check)))
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for CreditCode {
    type Error = ValueError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<CreditCode> for String {
    fn from(value: CreditCode) -> Self {
        value.0
    }
}

impl fmt::Display for CreditCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

// ---------------------------------------------------------------------------------------------
// Administrative division code (行政区划代码, 12 digits: province 2, city 2, county 2,
// township 3, village 3)
// ---------------------------------------------------------------------------------------------

/// The level of a division in the national hierarchy, read off its code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum DivisionLevel {
    /// 省级: only the first 2 digits are set.
    Province,
    /// 市级: digits 3-4 set, the rest zero.
    City,
    /// 县级: digits 5-6 set, the rest zero.
    County,
    /// 乡级: digits 7-9 set, the rest zero.
    Township,
    /// 村级: all parts set.
    Village,
}

/// A 12-digit administrative division code such as `371300000000` (Linyi). Parsing checks the
/// structure: 12 digits, a province part between 11 and 82, and no part set below a part that
/// is all zeros.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct DivisionCode(String);

impl DivisionCode {
    /// Parses a code and checks its structure.
    pub fn parse(input: &str) -> Result<Self, ValueError> {
        let err = |why| ValueError::InvalidDivisionCode(input.chars().take(40).collect(), why);
        let b = input.as_bytes();
        if b.len() != 12 || !b.iter().all(u8::is_ascii_digit) {
            return Err(err("it must be exactly 12 digits"));
        }
        let province = (b[0] - b'0') * 10 + (b[1] - b'0');
        if !(11..=82).contains(&province) {
            return Err(err(
                "the province part (digits 1-2) must be between 11 and 82",
            ));
        }
        let parts = [&b[2..4], &b[4..6], &b[6..9], &b[9..12]];
        let mut zero_seen = false;
        for part in parts {
            let is_zero = part.iter().all(|&c| c == b'0');
            if zero_seen && !is_zero {
                return Err(err(
                    "a lower part is set below a part that is all zeros (the parts are 2-2-2-3-3 digits)",
                ));
            }
            zero_seen |= is_zero;
        }
        Ok(Self(input.to_owned()))
    }

    /// The level of the division, from the first part that is all zeros.
    pub fn level(&self) -> DivisionLevel {
        let b = self.0.as_bytes();
        let zero = |r: std::ops::Range<usize>| b[r].iter().all(|&c| c == b'0');
        if zero(2..4) {
            DivisionLevel::Province
        } else if zero(4..6) {
            DivisionLevel::City
        } else if zero(6..9) {
            DivisionLevel::County
        } else if zero(9..12) {
            DivisionLevel::Township
        } else {
            DivisionLevel::Village
        }
    }

    /// Whether `other` lies inside this division (or is it).
    pub fn contains(&self, other: &DivisionCode) -> bool {
        let prefix_len = match self.level() {
            DivisionLevel::Province => 2,
            DivisionLevel::City => 4,
            DivisionLevel::County => 6,
            DivisionLevel::Township => 9,
            DivisionLevel::Village => 12,
        };
        self.0[..prefix_len] == other.0[..prefix_len]
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for DivisionCode {
    type Error = ValueError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<DivisionCode> for String {
    fn from(value: DivisionCode) -> Self {
        value.0
    }
}

impl fmt::Display for DivisionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The level of government a department belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum DepartmentLevel {
    /// 市级
    City,
    /// 县级 (county or district)
    County,
    /// 乡级 (township or street)
    Township,
}

impl DepartmentLevel {
    /// The division level a department of this level serves.
    pub fn division_level(self) -> DivisionLevel {
        match self {
            Self::City => DivisionLevel::City,
            Self::County => DivisionLevel::County,
            Self::Township => DivisionLevel::Township,
        }
    }
}

/// The kind of body a department is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum BodyKind {
    /// 政府工作部门 (including 直属机构)
    GovernmentDepartment,
    /// 党委工作机关 (party committee organ)
    PartyOrgan,
    /// 派出机构 (dispatched agency)
    DispatchedAgency,
    /// 事业单位 (public institution)
    PublicInstitution,
    /// 群团组织 (mass organisation)
    MassOrganization,
    /// anything else
    Other,
}

// ---------------------------------------------------------------------------------------------
// Ids and texts
// ---------------------------------------------------------------------------------------------

/// The id of an entity inside an aggregate (a unit, duty, task or post): 1 to 64 characters of
/// `[A-Za-z0-9._:-]`. Clients may choose it (imports, safe retries); otherwise the server does.
/// Ids are never reused inside a department, even after the entity ends.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct EntityId(String);

impl EntityId {
    /// The longest id accepted.
    pub const MAX_LEN: usize = 64;

    /// Parses an id.
    pub fn parse(input: &str) -> Result<Self, ValueError> {
        let ok = !input.is_empty()
            && input.len() <= Self::MAX_LEN
            && input
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b':' | b'-'));
        if ok {
            Ok(Self(input.to_owned()))
        } else {
            Err(ValueError::InvalidId(input.chars().take(80).collect()))
        }
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for EntityId {
    type Error = ValueError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<EntityId> for String {
    fn from(value: EntityId) -> Self {
        value.0
    }
}

impl fmt::Display for EntityId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn parse_text(field: &'static str, input: &str, max: usize) -> Result<String, ValueError> {
    let trimmed = input.trim();
    let invalid = |reason: String| ValueError::InvalidText { field, reason };
    if trimmed.is_empty() {
        return Err(invalid("it must not be empty".into()));
    }
    let len = trimmed.chars().count();
    if len > max {
        return Err(invalid(format!(
            "it has {len} characters, at most {max} are allowed"
        )));
    }
    if trimmed
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t' || c == '\u{FEFF}')
    {
        return Err(invalid("it contains control characters".into()));
    }
    Ok(trimmed.to_owned())
}

/// A short name (a department, unit, post or task name, a sector): 1 to 200 characters after
/// trimming, no control characters.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Name(String);

impl Name {
    /// The longest name accepted, in characters.
    pub const MAX_CHARS: usize = 200;

    /// Parses a name; `field` names the input in the error.
    pub fn parse_field(field: &'static str, input: &str) -> Result<Self, ValueError> {
        parse_text(field, input, Self::MAX_CHARS).map(Self)
    }

    /// Parses a name.
    pub fn parse(input: &str) -> Result<Self, ValueError> {
        Self::parse_field("name", input)
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Name {
    type Error = ValueError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Name> for String {
    fn from(value: Name) -> Self {
        value.0
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A longer text (a duty's wording, a task's scope, procedure or standard): 1 to 4,000
/// characters after trimming; line breaks and tabs allowed, other control characters not.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Text(String);

impl Text {
    /// The longest text accepted, in characters.
    pub const MAX_CHARS: usize = 4000;

    /// Parses a text; `field` names the input in the error.
    pub fn parse_field(field: &'static str, input: &str) -> Result<Self, ValueError> {
        parse_text(field, input, Self::MAX_CHARS).map(Self)
    }

    /// Parses a text.
    pub fn parse(input: &str) -> Result<Self, ValueError> {
        Self::parse_field("text", input)
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Text {
    type Error = ValueError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Text> for String {
    fn from(value: Text) -> Self {
        value.0
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

// ---------------------------------------------------------------------------------------------
// Numbers
// ---------------------------------------------------------------------------------------------

/// A staffing headcount (编制数): 0 to 100,000.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "i64")]
pub struct Headcount(u32);

impl Headcount {
    /// The largest headcount accepted.
    pub const MAX: u32 = 100_000;
    /// The largest headcount, as a value.
    pub const MAX_VALUE: Headcount = Headcount(Self::MAX);

    /// Parses a headcount.
    pub fn parse(value: i64) -> Result<Self, ValueError> {
        if (0..=i64::from(Self::MAX)).contains(&value) {
            Ok(Self(value as u32))
        } else {
            Err(ValueError::OutOfRange {
                field: "headcount",
                min: 0,
                max: i64::from(Self::MAX),
                value,
            })
        }
    }

    /// The number.
    pub fn get(self) -> u32 {
        self.0
    }
}

impl TryFrom<i64> for Headcount {
    type Error = ValueError;
    fn try_from(value: i64) -> Result<Self, Self::Error> {
        Self::parse(value)
    }
}

impl From<Headcount> for i64 {
    fn from(value: Headcount) -> Self {
        i64::from(value.0)
    }
}

/// How the days of a time limit are counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum DayKind {
    /// 工作日: working days.
    Working,
    /// 自然日: calendar days.
    Calendar,
}

/// A time limit (时限) of 1 to 3,650 working or calendar days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TimeLimit {
    days: u16,
    kind: DayKind,
}

impl TimeLimit {
    /// The longest time limit accepted, in days.
    pub const MAX_DAYS: u16 = 3650;

    /// Parses a time limit.
    pub fn new(days: i64, kind: DayKind) -> Result<Self, ValueError> {
        if (1..=i64::from(Self::MAX_DAYS)).contains(&days) {
            Ok(Self {
                days: days as u16,
                kind,
            })
        } else {
            Err(ValueError::OutOfRange {
                field: "timeLimit.days",
                min: 1,
                max: i64::from(Self::MAX_DAYS),
                value: days,
            })
        }
    }

    /// The number of days.
    pub fn days(self) -> u16 {
        self.days
    }

    /// How the days are counted.
    pub fn kind(self) -> DayKind {
        self.kind
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credit_code_accepts_the_reference_vectors() {
        for code in ["11511301008778183N", "115113010833722043"] {
            assert!(CreditCode::parse(code).is_ok(), "{code}");
        }
    }

    #[test]
    fn credit_code_rejects_every_other_last_character() {
        for code in ["11511301008778183N", "115113010833722043"] {
            for c in CREDIT_ALPHABET.iter().copied().chain(*b"IOSVZ") {
                if c == code.as_bytes()[17] {
                    continue;
                }
                let changed = format!("{}{}", &code[..17], char::from(c));
                assert!(CreditCode::parse(&changed).is_err(), "{changed}");
            }
        }
    }

    /// Codes of government organs: two of Neijiang (四川内江) and the market supervision bureau
    /// of the demo data.
    const REAL_CODES: [&str; 3] = [
        "11511301008778183N",
        "115113010833722043",
        "11371300004350120P",
    ];

    /// A code with its 18th character recomputed after `first17` was changed.
    fn with_check(first17: &str) -> String {
        let check = credit_check_char(first17.as_bytes()).expect("alphabet");
        format!("{first17}{}", char::from(check))
    }

    #[test]
    fn credit_code_accepts_real_codes() {
        for code in REAL_CODES {
            assert!(CreditCode::parse(code).is_ok(), "{code}");
        }
    }

    #[test]
    fn credit_code_with_a_wrong_organisation_check_is_refused_even_with_a_matching_18th() {
        // The example: a correct 18th character over a wrong 17th.
        let wrong = with_check("11371300007029344");
        assert_eq!(wrong, "113713000070293446");
        assert_eq!(
            CreditCode::parse(&wrong).map_err(|e| e.rule()),
            Err("INVALID_CREDIT_CODE")
        );
        for code in REAL_CODES {
            for c in CREDIT_ALPHABET.iter().copied() {
                if c == code.as_bytes()[16] {
                    continue;
                }
                let changed = with_check(&format!("{}{}", &code[..16], char::from(c)));
                assert!(CreditCode::parse(&changed).is_err(), "{changed}");
            }
        }
    }

    #[test]
    fn credit_code_refuses_every_single_character_change() {
        for code in REAL_CODES {
            for i in 0..18 {
                for c in CREDIT_ALPHABET.iter().copied().chain(*b"IOSVZ") {
                    if c == code.as_bytes()[i] {
                        continue;
                    }
                    let mut changed = code.as_bytes().to_vec();
                    changed[i] = c;
                    let changed = String::from_utf8(changed).expect("ascii");
                    assert!(CreditCode::parse(&changed).is_err(), "{changed}");
                }
            }
        }
    }

    #[test]
    fn credit_code_rejects_bad_shapes() {
        for bad in [
            "",
            "11511301008778183",
            "11511301008778183NN",
            "11511301008778183n",
            "1151130100877818IN",
            "11A11301008778183N",
            "１1511301008778183N",
        ] {
            assert!(CreditCode::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn credit_code_from_parts_reproduces_the_reference_vectors() {
        let code = CreditCode::from_parts('1', '1', "511301", "00877818").expect("valid parts");
        assert_eq!(code.as_str(), "11511301008778183N");
        let code = CreditCode::from_parts('1', '1', "511301", "08337220").expect("valid parts");
        assert_eq!(code.as_str(), "115113010833722043");
    }

    #[test]
    fn division_code_levels() {
        let level = |c: &str| DivisionCode::parse(c).map(|d| d.level());
        assert_eq!(level("370000000000"), Ok(DivisionLevel::Province));
        assert_eq!(level("371300000000"), Ok(DivisionLevel::City));
        assert_eq!(level("371302000000"), Ok(DivisionLevel::County));
        assert_eq!(level("371302001000"), Ok(DivisionLevel::Township));
        assert_eq!(level("371302001001"), Ok(DivisionLevel::Village));
    }

    #[test]
    fn division_code_rejects_bad_structure() {
        for bad in [
            "",
            "37130000000",
            "3713000000000",
            "37130000000a",
            "001300000000",
            "991300000000",
            "370002000000",
            "371300001000",
            "371302000001",
        ] {
            assert!(DivisionCode::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn division_contains() {
        let city = DivisionCode::parse("371300000000").expect("valid");
        let county = DivisionCode::parse("371302000000").expect("valid");
        let other = DivisionCode::parse("371400000000").expect("valid");
        assert!(city.contains(&county));
        assert!(!county.contains(&city));
        assert!(!city.contains(&other));
    }

    #[test]
    fn names_are_trimmed_and_checked() {
        assert_eq!(
            Name::parse("  党建科 ").map(String::from),
            Ok("党建科".to_owned())
        );
        assert!(Name::parse("   ").is_err());
        assert!(Name::parse("a\u{0007}b").is_err());
        assert!(Name::parse(&"名".repeat(201)).is_err());
        assert!(Name::parse(&"名".repeat(200)).is_ok());
    }

    #[test]
    fn ids_are_checked() {
        assert!(EntityId::parse("msb-party:task.1_a").is_ok());
        assert!(EntityId::parse("").is_err());
        assert!(EntityId::parse("a b").is_err());
        assert!(EntityId::parse("科室").is_err());
        assert!(EntityId::parse(&"a".repeat(65)).is_err());
    }

    #[test]
    fn numbers_are_range_checked() {
        assert!(Headcount::parse(-1).is_err());
        assert!(Headcount::parse(100_001).is_err());
        assert!(TimeLimit::new(0, DayKind::Working).is_err());
        assert!(TimeLimit::new(3651, DayKind::Calendar).is_err());
        assert!(TimeLimit::new(20, DayKind::Working).is_ok());
    }
}
