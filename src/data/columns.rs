//! Column roles: from flags, from a `--columns` TOML file, or recognised from the header.
//!
//! - A name given by a flag or the TOML file matches a header exactly (both trimmed),
//!   or, failing that, the one header that equals it when case is ignored.
//! - A role that was not given is taken from the first header that equals, case
//!   ignored, a name on that role's list ([`ID_NAMES`], [`REGION_NAMES`],
//!   [`LOCALITY_NAMES`], [`REGISTERED_NAMES`], [`BALLOTS_NAMES`], [`VALID_NAMES`], [`INVALID_NAMES`], tried
//!   in list order).
//! - Candidates, when none were given, are the remaining columns whose values in the
//!   first [`CANDIDATE_SAMPLE_ROWS`] usable data rows (not excluded, right length) are
//!   all whole numbers, with at least one present. Never taken: columns with another
//!   role, columns named on any recognised list, `--exclude` columns, and id-like or
//!   code-like names ([`CODE_LIKE_WORDS`]). A column that is blank in the sample, or
//!   only partly whole numbers, is not taken either, but listed in `left_out` with the
//!   flag that takes it, as are the whole-number columns left out for their names.
//! - Each column takes at most one count or candidate role; id, region and locality
//!   parts may reuse any column (roles are then joined with `+`, e.g. `id+region`).

use std::collections::HashMap;
use std::fmt;
use std::path::Path;
use std::str::FromStr;

use unicode_normalization::UnicodeNormalization;

use super::cells::shorten;
use super::validate::{ColumnSample, SampledCounts};
use super::{ColumnRole, LeftOutColumn};
use crate::error::InputError;

/// The fix for [`InputError::NoCandidates`] where detection, not the rows, failed.
pub(crate) const NAME_CANDIDATES: &str =
    "Name them with --candidate NAME (repeatable) or --candidates A,B,C.";

/// Headers recognised as registered voters when `--registered` is not given
/// (case ignored; spaces, hyphens and case breaks read as `_`, so `Registered Voters` and
/// `RegisteredVoters` are `registered_voters`).
pub const REGISTERED_NAMES: &[&str] = &[
    "registered",
    "electorate",
    "eligible",
    "registered_voters",
    "eligible_voters",
    "voters",
    // French, Spanish, Portuguese, German, Italian.
    "inscrits",
    "electores",
    "inscritos",
    "eleitores",
    "wahlberechtigte",
    "elettori",
    // The Russian protocol's line 1 (and its older wording).
    "число_избирателей_включенных_в_список_избирателей",
    "число_избирателей_внесенных_в_список_избирателей",
    "число_избирателей_внесенных_в_список",
    "число_избирателей_включенных_в_список",
    "избирателей",
    // Spelled the other way round, or by the list.
    "voters_registered",
    "electors",
    "voters_on_list",
    // Poland's protocol.
    "liczba_wyborców_uprawnionych_do_głosowania",
    // Mexico's INE, Brazil's TSE.
    "lista_nominal",
    "qt_aptos",
    "aptos",
    "eleitores_aptos",
    // Turkey's YSK, Ukraine's CEC, Poland's short form.
    "kayıtlı_seçmen",
    "kayıtlı_seçmen_sayısı",
    "seçmen_sayısı",
    "кількість_виборців",
    "кількість_виборців_внесених_до_списку",
    "liczba_wyborców",
];
/// Headers recognised as ballots cast when `--ballots` is not given.
pub const BALLOTS_NAMES: &[&str] = &[
    "ballots",
    "cast",
    // The ballots found in the boxes (Russian protocol lines 10 + 11 together).
    "число_бюллетеней_в_ящиках",
    "бюллетеней_в_ящиках",
    "ballots_cast",
    "votes_cast",
    "votants",
    "votantes",
    "wähler",
    "wählende",
    "votanti",
    "liczba_kart_wyjętych_z_urny",
    "votos_emitidos",
    "qt_comparecimento",
    "comparecimento",
    "kullanılan_toplam_oy",
    "oy_kullanan",
    "oy_kullanan_seçmen",
    "oy_kullanan_seçmen_sayısı",
];
/// Headers recognised as valid ballots when `--valid` is not given.
pub const VALID_NAMES: &[&str] = &[
    "valid",
    "valid_votes",
    "valid_ballots",
    "exprimés",
    "exprimes",
    "votos_válidos",
    "votos_validos",
    "válidos",
    "validos",
    "gültige",
    "gültig",
    "gültige_stimmen",
    "voti_validi",
    "число_действительных_избирательных_бюллетеней",
    "число_действительных_бюллетеней",
    "liczba_głosów_ważnych_oddanych_łącznie_na_wszystkich_kandydatów",
    "głosy_ważne",
    "geçerli_oy",
    "geçerli_oy_sayısı",
    "geçerli_oy_toplamı",
    "кількість_дійсних_бюлетенів",
    "дійсні",
    "действительные",
    "действительных",
];
/// Headers recognised as invalid ballots when `--invalid` is not given.
pub const INVALID_NAMES: &[&str] = &[
    "invalid",
    "invalid_votes",
    "invalid_ballots",
    "spoiled",
    "spoilt",
    "spoiled_ballots",
    "spoilt_ballots",
    "rejected_ballots",
    "nuls",
    "votos_nulos",
    "nulos",
    "ungültige",
    "ungültig",
    "ungültige_stimmen",
    "число_недействительных_избирательных_бюллетеней",
    "число_недействительных_бюллетеней",
    // The United Kingdom's count sheets say "rejected".
    "rejected",
    "głosy_nieważne",
    "geçersiz_oy",
    "geçersiz_oy_sayısı",
    "geçersiz_oy_toplamı",
    "кількість_недійсних_бюлетенів",
    "недійсні",
    "недействительные",
    "недействительных",
];
/// Headers recognised as the station id when `--id` is not given.
pub const ID_NAMES: &[&str] = &[
    "id",
    "station",
    "precinct",
    "station_id",
    "precinct_id",
    "polling_station",
];
/// Headers recognised as the region when `--region` is not given.
pub const REGION_NAMES: &[&str] = &[
    "region",
    "province",
    "state",
    "district",
    "województwo",
    "région",
    "regione",
    "provincia",
    "departamento",
    "bundesland",
    "oblast",
    "область",
    "регион",
];
/// Headers recognised as the locality (the town or municipality whose stations are
/// neighbours) when `--locality` is not given.
pub const LOCALITY_NAMES: &[&str] = &["locality", "municipality"];

/// Every recognised role's names but the candidates'.
const ROLE_NAME_LISTS: [&[&str]; 7] = [
    ID_NAMES,
    REGION_NAMES,
    LOCALITY_NAMES,
    REGISTERED_NAMES,
    BALLOTS_NAMES,
    VALID_NAMES,
    INVALID_NAMES,
];

/// Word parts that mark a column as an identifier or a code, never a candidate, when
/// candidates are detected automatically. A header is cut into word parts at every
/// character that is not a letter or digit, between a lower-case and an upper-case
/// letter, and between letters and digits (`PS CODE`, `station_id`, `zipCode`, `lat2`);
/// if any part equals one of these (case ignored), the column is not a candidate.
pub const CODE_LIKE_WORDS: &[&str] = &[
    "id",
    "code",
    "no",
    "nr",
    "number",
    "num",
    "zip",
    "postcode",
    "lat",
    "lon",
    "x",
    "y",
    "year",
    "index",
    "idx",
    "row",
    "rownum",
    "unnamed",
    "lp",
    "fips",
    "geoid",
    "kod",
    "teryt",
    "uik",
    // Geography and election codes: numbered areas and stacked rounds are no candidates.
    "county",
    "ward",
    "constituency",
    "oblast",
    "wahlkreis",
    "department",
    "departement",
    "circonscription",
    "district",
    "commune",
    "gemeinde",
    "round",
    "tour",
    "runde",
    "wahlgang",
    "election",
    "zone",
    "section",
    "sektion",
    "township",
    "booth",
    "circuit",
    "bezirk",
    "bezirksart",
    "wahlbezirk",
    "kreis",
    "landkreis",
    "verbandsgemeinde",
    "kennziffer",
    "numer",
    "stimmbezirk",
    "wahllokal",
    "mesa",
    "bureau",
    "seccion",
    "sección",
    "casilla",
    "obwod",
    "obwód",
    "okrug",
    "raion",
    "rayon",
    "parish",
    "precinct",
    "polling",
    "station",
    "municipality",
    "locality",
    "region",
    "province",
    "canton",
    "kanton",
];

/// A referendum's `Yes`, in the languages whose `No` is written `no` (Spanish, Italian,
/// Portuguese, Catalan, Tagalog, ...) and some others, so that `No` beside it is read as
/// the other answer, not as a number's abbreviation.
const YES_WORDS: &[&str] = &[
    "yes", "sí", "si", "sì", "sim", "oui", "ja", "da", "tak", "так", "да", "igen", "evet", "kyllä",
    "oo", "ya", "yea", "aye", "naí", "ναι",
];

/// Word parts that mark a column as a total, a rate or a ballot count, never a candidate,
/// when candidates are detected automatically (cut as for [`CODE_LIKE_WORDS`]); so does a
/// `%` in the header. Such columns are listed in `left_out`.
pub const TALLY_WORDS: &[&str] = &[
    "total",
    "totals",
    "subtotal",
    "sum",
    "turnout",
    "percent",
    "percentage",
    "pct",
    "share",
    "registered",
    "electorate",
    "eligible",
    "ballots",
    "valid",
    "invalid",
    "spoiled",
    "spoilt",
    "rejected",
    "nullified",
    "unused",
    "cancelled",
    "canceled",
    "issued",
    "received",
    "voted",
    "abstentions",
    "abstention",
    "abstained",
    "abstainers",
    "absent",
    "absentees",
    "nonvoters",
    "blank",
    "blanks",
    "null",
    "nulls",
    "void",
    "envelopes",
    "procent",
    // Shares and turnout, and counts of voters, in other languages.
    "prozent",
    "anteil",
    "porcentaje",
    "pourcentage",
    "percentuale",
    "процент",
    "доля",
    "odsetek",
    "frekwencja",
    "явка",
    "wahlbeteiligung",
    "participation",
    "wahlberechtigte",
    "wählende",
    "wahlschein",
    // The Russian protocol's other lines ("Число …": ballots received, issued,
    // cancelled, lost; absentee certificates).
    "число",
    "бюллетеней",
    "избирателей",
    "удостоверений",
    // Turkey's ("… Sayısı": number of; "Kanunen …": voters by law at another box).
    "sayısı",
    "kanunen",
    // Ukraine's ("Кількість …").
    "кількість",
    "бюлетенів",
    "виборців",
    // Poland's ("Liczba …": ballot cards, envelopes, voters by proxy).
    "liczba",
    "kart",
    "kopert",
    "wyborców",
    "gültige",
    "gültig",
    "ungültige",
    "ungültig",
    "blancs",
    "blancos",
    "brancos",
    "bianche",
    "abstencoes",
    "abstenções",
    "abstenciones",
    // Counts of places, not of votes (`n_stations`, `Polling stations`, `Boxes`).
    "stations",
    "precincts",
    "boxes",
];

/// Recognised names that only the bare header takes: `Total voters`, `Number of voters`
/// or `Voters count` may count the voters registered or those who voted (India's ECI
/// calls the ballots cast `Total Voters`), so a qualified one is no role's.
const BARE_ONLY_NAMES: &[&str] = &["voters"];

/// Word parts that mark a count of voters as those who took part, not those registered
/// (`Число избирателей, принявших участие в голосовании`, `Voters who voted`).
const TOOK_PART_WORDS: &[&str] = &[
    "voted",
    "took",
    "participated",
    "participating",
    "принявших",
    "участие",
    "проголосовавших",
];

/// Words that name a count role inside a longer header (`Ballots issued`), the invalid
/// ones before `valid`'s.
const ROLE_WORDS: &[(&str, CountRole)] = &[
    ("registered", CountRole::Registered),
    ("electorate", CountRole::Registered),
    ("eligible", CountRole::Registered),
    ("избирателей", CountRole::Registered),
    ("invalid", CountRole::Invalid),
    ("spoiled", CountRole::Invalid),
    ("spoilt", CountRole::Invalid),
    ("недействительных", CountRole::Invalid),
    ("valid", CountRole::Valid),
    ("действительных", CountRole::Valid),
    ("ballots", CountRole::Ballots),
    ("бюллетеней", CountRole::Ballots),
];

/// How many left-out columns [`ColumnPlan::restore_completing_columns`] tries together.
const MAX_RESTORED_TRIED: usize = 10;

/// How many data rows automatic candidate detection looks at.
pub const CANDIDATE_SAMPLE_ROWS: usize = 1000;

/// The keys a `--columns` TOML file may hold.
pub const TOML_KEYS: &[&str] = &[
    "id",
    "region",
    "locality",
    "stratum",
    "registered",
    "ballots",
    "valid",
    "invalid",
    "candidates",
    "winner",
    "na",
    "thousands",
    "exclude",
];

/// `--exclude COL=VALUE`: rows whose COL equals VALUE are left out and counted.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ExcludeRule {
    pub column: String,
    pub value: String,
}

impl FromStr for ExcludeRule {
    type Err = InputError;

    /// Splits at the first `=`, so values may contain `=`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.split_once('=') {
            Some((column, value)) if !column.trim().is_empty() => Ok(ExcludeRule {
                column: column.trim().to_string(),
                value: value.trim().to_string(),
            }),
            _ => Err(InputError::BadExcludeRule {
                rule: s.to_string(),
            }),
        }
    }
}

impl fmt::Display for ExcludeRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}={}", self.column, self.value)
    }
}

/// One candidate as the user maps it: a label and the columns summed for it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CandidateSpec {
    /// The name the report shows.
    pub label: String,
    /// Header names whose votes are summed (one for a plain column).
    pub columns: Vec<String>,
}

impl From<&str> for CandidateSpec {
    fn from(column: &str) -> Self {
        CandidateSpec {
            label: column.to_string(),
            columns: vec![column.to_string()],
        }
    }
}

impl From<String> for CandidateSpec {
    fn from(column: String) -> Self {
        CandidateSpec::from(column.as_str())
    }
}

impl PartialEq<&str> for CandidateSpec {
    /// A plain column of that name.
    fn eq(&self, other: &&str) -> bool {
        self.label == *other && self.columns.len() == 1 && self.columns[0] == *other
    }
}

impl CandidateSpec {
    /// A `candidates` entry of a `--columns` file: `"COL"`, `{ column = "p_41", name =
    /// "Georgian Dream" }` or `{ name = "CDU/CSU", sum = ["CDU", "CSU"] }`.
    fn from_toml(value: &toml::Value) -> Result<CandidateSpec, String> {
        let table = match value {
            toml::Value::String(s) => return Ok(CandidateSpec::from(s.as_str())),
            toml::Value::Table(t) => t,
            _ => return Err("each candidate must be a column name or a table".into()),
        };
        if let Some(bad) = table
            .keys()
            .find(|k| !["name", "column", "sum"].contains(&k.as_str()))
        {
            return Err(format!(
                "unknown key '{bad}' in a candidate table; use name with column or sum"
            ));
        }
        let text = |k: &str| table.get(k).map(|v| v.as_str().map(str::to_string));
        let columns = match (text("column"), table.get("sum")) {
            (Some(Some(c)), None) => vec![c],
            (None, Some(v)) => string_or_list(v)
                .filter(|l| !l.is_empty())
                .ok_or("sum must be a non-empty list of column names")?,
            _ => return Err("give a candidate table either column = \"COL\" or sum = [..]".into()),
        };
        let label = match text("name") {
            Some(Some(n)) if !n.trim().is_empty() => n.trim().to_string(),
            Some(_) => return Err("a candidate's name must be a non-empty string".into()),
            None if columns.len() == 1 => columns[0].clone(),
            None => return Err("a summed candidate needs a name".into()),
        };
        Ok(CandidateSpec { label, columns })
    }
}

/// The requested mapping of header names to roles. Empty lists mean "not given".
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ColumnSpec {
    pub id: Vec<String>,
    pub region: Vec<String>,
    /// Joined like `region`; the neighbourhood of the small-stations check.
    pub locality: Vec<String>,
    /// Joined like `region`; the fingerprint's strata (settlement type, say), whose
    /// stations get their own fair distribution within each region.
    pub stratum: Vec<String>,
    pub registered: Vec<String>,
    pub ballots: Vec<String>,
    pub valid: Vec<String>,
    pub invalid: Vec<String>,
    pub candidates: Vec<CandidateSpec>,
    pub winner: Option<String>,
    /// `None` means the default tokens: empty and `NA`.
    pub na: Option<Vec<String>>,
    pub thousands: Option<String>,
    pub exclude: Vec<ExcludeRule>,
    /// The `--columns` file the spec was read from, and the keys whose values came from
    /// it (flags override keys), so that errors name the file and key.
    pub origin: Option<String>,
    pub from_file: Vec<String>,
}

impl ColumnSpec {
    /// The roles given by column names, each with its key (its flag without `--`).
    pub fn roles(&self) -> [(&'static str, &[String]); 8] {
        [
            ("id", &self.id),
            ("region", &self.region),
            ("locality", &self.locality),
            ("stratum", &self.stratum),
            ("registered", &self.registered),
            ("ballots", &self.ballots),
            ("valid", &self.valid),
            ("invalid", &self.invalid),
        ]
    }

    /// Whether a flag or the `--columns` file names any column.
    pub fn names_any_column(&self) -> bool {
        self.roles().iter().any(|(_, cols)| !cols.is_empty())
            || !self.candidates.is_empty()
            || !self.exclude.is_empty()
            || self.winner.is_some()
    }

    /// How an error names where a role's columns were given: the flag, or the key of
    /// the `--columns` file.
    pub fn given_by(&self, key: &str, flag: &str) -> String {
        match &self.origin {
            Some(file) if self.from_file.iter().any(|k| k == key) => {
                format!("key '{key}' of {file}")
            }
            _ => flag.to_string(),
        }
    }

    /// Reads a `--columns` TOML file.
    pub fn from_toml_file(path: &Path) -> Result<ColumnSpec, InputError> {
        let origin = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| InputError::Unreadable {
            path: origin.clone(),
            source,
        })?;
        Self::from_toml_str(&text, &origin)
    }

    /// Parses the TOML text of a `--columns` file; `origin` names it in errors.
    pub fn from_toml_str(text: &str, origin: &str) -> Result<ColumnSpec, InputError> {
        let bad = |message: String| InputError::BadColumnsFile {
            origin: origin.to_string(),
            message,
        };
        let table: toml::Table =
            toml::from_str(text).map_err(|e| bad(format!("not valid TOML: {e}")))?;
        let mut spec = ColumnSpec::default();
        for (key, value) in &table {
            let list = || {
                string_or_list(value).ok_or_else(|| {
                    bad(format!("key '{key}' must be a string or a list of strings"))
                })
            };
            let string = || {
                value
                    .as_str()
                    .map(str::to_string)
                    .ok_or_else(|| bad(format!("key '{key}' must be a string")))
            };
            match key.as_str() {
                "id" => spec.id = list()?,
                "region" => spec.region = list()?,
                "locality" => spec.locality = list()?,
                "stratum" => spec.stratum = list()?,
                "registered" => spec.registered = list()?,
                "ballots" => spec.ballots = list()?,
                "valid" => spec.valid = list()?,
                "invalid" => spec.invalid = list()?,
                "candidates" => {
                    let items = match value {
                        toml::Value::Array(items) => items.as_slice(),
                        one => std::slice::from_ref(one),
                    };
                    spec.candidates = items
                        .iter()
                        .map(CandidateSpec::from_toml)
                        .collect::<Result<_, _>>()
                        .map_err(|e| bad(format!("key 'candidates': {e}")))?;
                }
                "winner" => spec.winner = Some(string()?),
                "na" => spec.na = Some(list()?),
                "thousands" => spec.thousands = Some(string()?),
                "exclude" => {
                    for rule in list()? {
                        let parsed = rule
                            .parse()
                            .map_err(|e: InputError| bad(format!("exclude: {e}")))?;
                        spec.exclude.push(parsed);
                    }
                }
                other => {
                    return Err(bad(format!(
                        "unknown key '{other}'; the valid keys are: {}",
                        TOML_KEYS.join(", ")
                    )));
                }
            }
        }
        let empty = spec
            .roles()
            .into_iter()
            .find(|(key, v)| table.contains_key(*key) && (v.is_empty() || has_blank(v)))
            .map(|(key, _)| key)
            .or(
                (table.contains_key("candidates") && spec.candidates.is_empty())
                    .then_some("candidates"),
            );
        if let Some(key) = empty {
            // An empty key would fall back to the header's names without a word.
            return Err(bad(format!(
                "key '{key}' is empty; give a column name, or drop the key"
            )));
        }
        spec.from_file = table.keys().cloned().collect();
        spec.origin = Some(origin.to_string());
        Ok(spec)
    }

    /// Flags override the file, key by key (a non-empty list / Some in `overrides` wins).
    pub fn overridden_by(self, overrides: ColumnSpec) -> ColumnSpec {
        fn list<T>(base: Vec<T>, over: Vec<T>) -> Vec<T> {
            if over.is_empty() { base } else { over }
        }
        let from_file = self
            .from_file
            .iter()
            .filter(|k| !overrides.sets(k))
            .cloned()
            .collect();
        ColumnSpec {
            origin: self.origin,
            from_file,
            id: list(self.id, overrides.id),
            region: list(self.region, overrides.region),
            locality: list(self.locality, overrides.locality),
            stratum: list(self.stratum, overrides.stratum),
            registered: list(self.registered, overrides.registered),
            ballots: list(self.ballots, overrides.ballots),
            valid: list(self.valid, overrides.valid),
            invalid: list(self.invalid, overrides.invalid),
            candidates: list(self.candidates, overrides.candidates),
            winner: overrides.winner.or(self.winner),
            na: overrides.na.or(self.na),
            thousands: overrides.thousands.or(self.thousands),
            exclude: list(self.exclude, overrides.exclude),
        }
    }
}

impl ColumnSpec {
    /// Whether this spec gives a value for the `--columns` key `key`.
    fn sets(&self, key: &str) -> bool {
        match key {
            "id" => !self.id.is_empty(),
            "region" => !self.region.is_empty(),
            "locality" => !self.locality.is_empty(),
            "stratum" => !self.stratum.is_empty(),
            "registered" => !self.registered.is_empty(),
            "ballots" => !self.ballots.is_empty(),
            "valid" => !self.valid.is_empty(),
            "invalid" => !self.invalid.is_empty(),
            "candidates" => !self.candidates.is_empty(),
            "winner" => self.winner.is_some(),
            "na" => self.na.is_some(),
            "thousands" => self.thousands.is_some(),
            "exclude" => !self.exclude.is_empty(),
            _ => false,
        }
    }
}

/// Whether a list of column names holds an empty one, which names no column.
pub fn has_blank(names: &[String]) -> bool {
    names.iter().any(|c| c.trim().is_empty())
}

fn string_or_list(value: &toml::Value) -> Option<Vec<String>> {
    match value {
        toml::Value::String(s) => Some(vec![s.clone()]),
        toml::Value::Array(items) => items
            .iter()
            .map(|v| v.as_str().map(str::to_string))
            .collect(),
        _ => None,
    }
}

/// `--candidates A,B,"C, D"`: split on commas outside double quotes; trims; strips the quotes.
/// Inside quotes, `""` stands for one literal quote. Empty items are dropped.
pub fn split_candidate_list(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut item = String::new();
    let mut quoted = false;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                chars.next();
                item.push('"');
            }
            '"' => quoted = !quoted,
            ',' if !quoted => {
                push_trimmed(&mut out, &item);
                item.clear();
            }
            _ => item.push(c),
        }
    }
    push_trimmed(&mut out, &item);
    out
}

fn push_trimmed(out: &mut Vec<String>, item: &str) {
    let t = item.trim();
    if !t.is_empty() {
        out.push(t.to_string());
    }
}

/// Cuts a header into lower-case word parts (see [`CODE_LIKE_WORDS`]).
pub fn word_parts(name: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut cur = String::new();
    let mut prev: Option<char> = None;
    for c in name.chars() {
        if !c.is_alphanumeric() {
            if !cur.is_empty() {
                parts.push(std::mem::take(&mut cur));
            }
            prev = None;
            continue;
        }
        if let Some(p) = prev {
            let case_break = p.is_lowercase() && c.is_uppercase();
            let digit_break = p.is_numeric() != c.is_numeric();
            if (case_break || digit_break) && !cur.is_empty() {
                parts.push(std::mem::take(&mut cur));
            }
        }
        cur.extend(c.to_lowercase());
        prev = Some(c);
    }
    if !cur.is_empty() {
        parts.push(cur);
    }
    parts
}

/// Runs of word parts that mark a column as a tally where no single part does.
pub const TALLY_PHRASES: &[&[&str]] = &[
    &["did", "not", "vote"],
    &["not", "voted"],
    &["non", "voters"],
];

/// Whether a header names a total, a rate or a ballot count (never an automatic candidate).
pub fn is_tally_like(name: &str) -> bool {
    let parts = word_parts(name);
    name.contains('%')
        || parts.iter().any(|p| TALLY_WORDS.contains(&p.as_str()))
        || TALLY_PHRASES.iter().any(|phrase| {
            parts
                .windows(phrase.len())
                .any(|w| w.iter().zip(phrase.iter()).all(|(a, b)| a == b))
        })
}

/// The other header that `name` repeats with `.1`, `.2`… added, pandas' mark for a
/// repeated column name.
fn repeated_name<'h>(headers: &'h Headers, name: &str) -> Option<&'h str> {
    let (base, n) = name.rsplit_once('.')?;
    let numbered = !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit());
    let base = base.trim();
    (numbered && !base.is_empty())
        .then(|| headers.names.iter().find(|h| h.as_str() == base))
        .flatten()
        .map(String::as_str)
}

/// Whether a header has no letter or digit: blank, `#` or `№`, as a row number's or an
/// empty column's is.
pub(super) fn is_nameless(name: &str) -> bool {
    !name.chars().any(char::is_alphanumeric)
}

/// Words naming an entry on the ballot, which a list number may follow.
const BALLOT_ENTRY_WORDS: &[&str] = &[
    "candidate",
    "candidat",
    "candidato",
    "kandidat",
    "kandydat",
    "party",
    "parti",
    "partei",
    "partia",
    "partido",
    "list",
    "liste",
    "lista",
];

/// Whether a header looks like an identifier or code (never an automatic candidate).
pub fn is_code_like(name: &str) -> bool {
    let parts = word_parts(name);
    // `Candidate No. 1`, `Liste Nr. 3`: a ballot entry, then its number on the ballot.
    // Not `Commission No 1`, a code.
    let numbered = |i: usize| {
        let ordinal = matches!(parts[i].as_str(), "no" | "nr" | "number" | "num");
        ordinal
            && i > 0
            && BALLOT_ENTRY_WORDS.contains(&parts[i - 1].as_str())
            && i + 2 == parts.len()
            && parts[i + 1].bytes().all(|b| b.is_ascii_digit())
    };
    (parts.iter().enumerate()).any(|(i, p)| CODE_LIKE_WORDS.contains(&p.as_str()) && !numbered(i))
}

/// `s` in single quotes for a shell command, its own single quotes escaped.
pub(super) fn single_quoted(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// Words that qualify a count's name without changing the role: `Total registered`,
/// `n_ballots`, `Number of valid`, `Registered (total)`.
const LEADING_QUALIFIERS: &[&[&str]] = &[
    &["number", "of"],
    &["no", "of"],
    &["total"],
    &["n"],
    &["num"],
];
const TRAILING_QUALIFIERS: &[&str] = &["total", "count", "n"];

/// A header's word parts joined by `_` with a parenthesised note and the qualifiers
/// around them taken off; empty when nothing was.
fn core_key(name: &str) -> String {
    let mut plain = String::new();
    let mut depth = 0usize;
    for c in name.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            _ if depth == 0 => plain.push(c),
            _ => {}
        }
    }
    let mut parts = word_parts(&plain);
    let whole = parts.len();
    let leads = |q: &[&str]| q.len() < parts.len() && q.iter().zip(&parts).all(|(a, b)| a == b);
    if let Some(q) = LEADING_QUALIFIERS.iter().find(|q| leads(q)) {
        parts.drain(..q.len());
    }
    if parts.len() > 1 && TRAILING_QUALIFIERS.contains(&parts[parts.len() - 1].as_str()) {
        parts.pop();
    }
    match parts.len() < whole || plain.len() < name.len() {
        true => parts.join("_"),
        false => String::new(),
    }
}

/// The header, trimmed, with a case-folded copy for matching and the word parts joined
/// by `_` for recognising roles.
pub(super) struct Headers {
    pub names: Vec<String>,
    lower: Vec<String>,
    keys: Vec<String>,
    /// The keys without qualifiers around the role's words (see [`core_key`]).
    cores: Vec<String>,
}

impl Headers {
    pub fn new(names: Vec<String>) -> Headers {
        let names: Vec<String> = names.into_iter().map(|n| n.trim().to_string()).collect();
        let lower = names.iter().map(|n| n.to_lowercase()).collect();
        let keys = names.iter().map(|n| word_parts(n).join("_")).collect();
        let cores = names.iter().map(|n| core_key(n)).collect();
        Headers {
            names,
            lower,
            keys,
            cores,
        }
    }

    /// Whether column `i` is spelled as the recognised role name `name`.
    fn spells(&self, i: usize, name: &str) -> bool {
        self.lower[i] == name || self.keys[i] == name
    }

    /// Whether column `i` is spelled as a recognised id, region, locality or count name.
    pub(super) fn spells_a_role(&self, i: usize) -> bool {
        ROLE_NAME_LISTS
            .iter()
            .flat_map(|l| l.iter())
            .any(|r| self.spells(i, r))
    }

    /// The names spelled as a recognised role's ([`Headers::spells_a_role`]).
    pub(super) fn role_names(&self) -> Vec<&str> {
        (0..self.len())
            .filter(|&i| self.spells_a_role(i))
            .map(|i| self.names[i].as_str())
            .collect()
    }

    /// Whether column `i` is a recognised role name with qualifiers around it.
    fn spells_qualified(&self, i: usize, name: &str) -> bool {
        !self.cores[i].is_empty() && self.cores[i] == name
    }

    /// Whether column `i` is a count role's recognised name with qualifiers around it
    /// (`Voters count`, `Total registered`): a count, whichever role it holds.
    fn spells_qualified_count(&self, i: usize) -> bool {
        CountRole::ALL
            .iter()
            .any(|r| r.recognised().iter().any(|n| self.spells_qualified(i, n)))
    }

    /// Whether column `i`'s word parts end with those of `name` after others.
    fn ends_with(&self, i: usize, name: &str) -> bool {
        let key = &self.keys[i];
        key.len() > name.len()
            && key.ends_with(name)
            && key[..key.len() - name.len()].ends_with('_')
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub(super) fn listing(&self) -> String {
        const MAX_LISTED: usize = 200;
        let mut shown: Vec<String> = self
            .names
            .iter()
            .take(MAX_LISTED)
            .map(|n| format!("'{}'", shorten(n, 80)))
            .collect();
        if self.names.len() > MAX_LISTED {
            shown.push(format!("… ({} in all)", self.names.len()));
        }
        shown.join(", ")
    }

    /// The column a flag names: exact match, else the unique case-insensitive match.
    fn find(&self, path: &str, flag: &str, name: &str) -> Result<usize, InputError> {
        let name = name.trim();
        let mut exact: Vec<usize> = (0..self.len()).filter(|&i| self.names[i] == name).collect();
        if exact.is_empty() {
            // `é` typed as one character names a header that writes `e` + a combining accent;
            // a space typed names a header's no-break space.
            let composed = |s: &str| {
                (s.nfc())
                    .map(|c| if c.is_whitespace() { ' ' } else { c })
                    .collect::<String>()
            };
            let want = composed(name);
            exact = (0..self.len())
                .filter(|&i| composed(&self.names[i]) == want)
                .collect();
        }
        let hits = if exact.is_empty() {
            let lower = name.to_lowercase();
            let ci: Vec<usize> = (0..self.len())
                .filter(|&i| self.lower[i] == lower)
                .collect();
            if ci.len() > 1 {
                if ci.iter().all(|&i| self.names[i] == self.names[ci[0]]) {
                    ci
                } else {
                    return Err(InputError::AmbiguousColumn {
                        path: path.into(),
                        flag: flag.into(),
                        column: name.into(),
                        matches: ci
                            .iter()
                            .map(|&i| format!("'{}'", self.names[i]))
                            .collect::<Vec<_>>()
                            .join(", "),
                    });
                }
            } else {
                ci
            }
        } else {
            exact
        };
        match hits.as_slice() {
            [i] => Ok(*i),
            [] => Err(InputError::MissingColumn {
                path: path.into(),
                flag: flag.into(),
                column: name.into(),
                help: format!(
                    "{} The columns are: {}. Name one of them (exactly, or unique ignoring case)",
                    self.near_match(name)
                        .map(|h| format!(" Did you mean '{h}'?"))
                        .unwrap_or_default(),
                    self.listing()
                ),
            }),
            many => Err(self.duplicate(path, flag, name, many)),
        }
    }

    fn duplicate(&self, path: &str, flag: &str, name: &str, at: &[usize]) -> InputError {
        InputError::DuplicateHeader {
            path: path.into(),
            flag: flag.into(),
            column: name.into(),
            positions: at
                .iter()
                .map(|i| (i + 1).to_string())
                .collect::<Vec<_>>()
                .join(", "),
        }
    }

    /// A header close to `name`: equal up to case and punctuation, containing it, or a
    /// few edits away.
    fn near_match(&self, name: &str) -> Option<&str> {
        let squash = |s: &str| -> String {
            s.chars()
                .filter(|c| c.is_alphanumeric())
                .flat_map(char::to_lowercase)
                .collect()
        };
        let want = squash(name);
        if want.is_empty() {
            return None;
        }
        let squashed: Vec<String> = self.names.iter().map(|n| squash(n)).collect();
        if let Some(i) = squashed.iter().position(|s| *s == want) {
            return Some(&self.names[i]);
        }
        let want_chars: Vec<char> = want.chars().collect();
        let limit = (want_chars.len() / 4).max(1);
        let best = squashed
            .iter()
            .enumerate()
            .filter(|(_, s)| s.chars().count() <= want_chars.len() + limit)
            .map(|(i, s)| (edit_distance(&want_chars, s), i))
            .filter(|&(d, _)| d <= limit)
            .min();
        if let Some((_, i)) = best {
            return Some(&self.names[i]);
        }
        if want_chars.len() >= 3 {
            if let Some(i) = squashed.iter().position(|s| s.contains(&want)) {
                return Some(&self.names[i]);
            }
        }
        None
    }
}

fn edit_distance(a: &[char], b: &str) -> usize {
    let mut row: Vec<usize> = (0..=a.len()).collect();
    for (j, cb) in b.chars().enumerate() {
        let mut diag = row[0];
        row[0] = j + 1;
        for i in 1..=a.len() {
            let up = row[i];
            row[i] = (up + 1)
                .min(row[i - 1] + 1)
                .min(diag + usize::from(a[i - 1] != cb));
            diag = up;
        }
    }
    row[a.len()]
}

/// The count roles, in the order the report lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum CountRole {
    Registered,
    Ballots,
    Valid,
    Invalid,
}

impl CountRole {
    pub const ALL: [CountRole; 4] = [
        CountRole::Registered,
        CountRole::Ballots,
        CountRole::Valid,
        CountRole::Invalid,
    ];

    pub fn name(self) -> &'static str {
        match self {
            CountRole::Registered => "registered",
            CountRole::Ballots => "ballots",
            CountRole::Valid => "valid",
            CountRole::Invalid => "invalid",
        }
    }

    fn recognised(self) -> &'static [&'static str] {
        match self {
            CountRole::Registered => REGISTERED_NAMES,
            CountRole::Ballots => BALLOTS_NAMES,
            CountRole::Valid => VALID_NAMES,
            CountRole::Invalid => INVALID_NAMES,
        }
    }

    fn given(self, spec: &ColumnSpec) -> &[String] {
        match self {
            CountRole::Registered => &spec.registered,
            CountRole::Ballots => &spec.ballots,
            CountRole::Valid => &spec.valid,
            CountRole::Invalid => &spec.invalid,
        }
    }
}

/// What each column does for a row, resolved against the header.
#[derive(Debug, Clone, Default)]
pub(super) struct ColumnPlan {
    pub n_columns: usize,
    /// The fewest fields a row may have: less than `n_columns` where most rows leave off
    /// trailing columns that hold no role (a notes column filled here and there).
    pub min_fields: usize,
    /// The file's delimiter, to name a value it splits (`2,916`); 0 where unknown.
    pub delimiter: u8,
    /// Joined in this order with `/`.
    pub id: Vec<usize>,
    pub region: Vec<usize>,
    pub locality: Vec<usize>,
    pub stratum: Vec<usize>,
    /// Summed, per role, indexed like [`CountRole::ALL`].
    pub counts: [Vec<usize>; 4],
    /// Candidate columns, and the candidate (index into `candidate_names`) each feeds:
    /// a summed candidate has several columns.
    pub candidates: Vec<usize>,
    pub candidate_of: Vec<usize>,
    pub candidate_names: Vec<String>,
    /// Column and trimmed value of each `--exclude` rule, in the order given.
    pub exclude: Vec<(usize, String)>,
    pub exclude_labels: Vec<String>,
    /// Index into `candidates` of an explicit `--winner`.
    pub winner: Option<usize>,
    /// Whole-number columns left out of automatic candidates for their names.
    /// Columns not read as counts from the sample, whose whole numbers further down are
    /// tallied: a candidate written `n/a` in the first rows must not vanish in silence.
    pub watched: Vec<usize>,
    pub left_out: Vec<LeftOutColumn>,
    /// Columns whose names are on a recognised-role list; never automatic candidates.
    recognised: Vec<bool>,
    /// Whole-number columns left out for their names (a code's, a repeated name's) or for
    /// counting up from row to row, which come back when the candidates need them.
    restorable: Vec<usize>,
    /// Columns a recognised name gave a role that their values refuse; not candidates
    /// either.
    refused: Vec<usize>,
    names: Vec<String>,
}

impl ColumnPlan {
    /// Resolves every explicit role, the exclusion rules and the recognised
    /// non-candidate roles. Candidates come in [`ColumnPlan::finish`].
    pub fn resolve(headers: &Headers, spec: &ColumnSpec, path: &str) -> Result<Self, InputError> {
        let n = headers.len();
        let mut plan = ColumnPlan {
            n_columns: n,
            min_fields: n,
            recognised: vec![false; n],
            names: headers.names.clone(),
            ..Default::default()
        };
        let find_all = |key: &str, names: &[String]| -> Result<Vec<usize>, InputError> {
            let flag = spec.given_by(key, &format!("--{key}"));
            names.iter().map(|c| headers.find(path, &flag, c)).collect()
        };
        plan.id = find_all("id", &spec.id)?;
        plan.region = find_all("region", &spec.region)?;
        plan.locality = find_all("locality", &spec.locality)?;
        plan.stratum = find_all("stratum", &spec.stratum)?;
        for role in CountRole::ALL {
            plan.counts[role as usize] = find_all(role.name(), role.given(spec))?;
        }
        let candidate_flag = spec.given_by("candidates", "--candidate");
        for (j, c) in spec.candidates.iter().enumerate() {
            for name in &c.columns {
                plan.candidates
                    .push(headers.find(path, &candidate_flag, name)?);
                plan.candidate_of.push(j);
            }
        }
        let exclude_flag = spec.given_by("exclude", "--exclude");
        for rule in &spec.exclude {
            let col = headers.find(path, &exclude_flag, &rule.column)?;
            plan.exclude.push((col, rule.value.trim().to_string()));
            plan.exclude_labels.push(rule.to_string());
        }

        for i in 0..n {
            plan.recognised[i] = headers.spells_a_role(i);
        }
        let auto =
            |plan: &ColumnPlan, role: &str, names: &[&str]| -> Result<Vec<usize>, InputError> {
                let mut used = plan.used_columns();
                // A region that is part of a joined id (`--id region --id station`, as
                // the duplicate-id advice says) is still the region.
                if matches!(role, "region" | "locality") && plan.id.len() > 1 {
                    for &c in &plan.id {
                        used[c] = false;
                    }
                }
                for name in names {
                    let hits: Vec<usize> = (0..n)
                        .filter(|&i| headers.spells(i, name) && !used[i])
                        .collect();
                    match hits.as_slice() {
                        [] => continue,
                        [i] => return Ok(vec![*i]),
                        many => {
                            let flag = format!("{role} (recognised from the header)");
                            return Err(headers.duplicate(path, &flag, name, many));
                        }
                    }
                }
                // Then a longer name ending in a recognised one of several words ("No. of
                // registered voters"), where only one column does.
                for name in names.iter().filter(|n| n.contains('_')) {
                    let hits: Vec<usize> = (0..n)
                        .filter(|&i| headers.ends_with(i, name) && !used[i])
                        .collect();
                    if let [i] = hits.as_slice() {
                        return Ok(vec![*i]);
                    }
                }
                // Then a name with qualifiers around it, where only one column has it.
                for name in names.iter().filter(|n| !BARE_ONLY_NAMES.contains(n)) {
                    let hits: Vec<usize> = (0..n)
                        .filter(|&i| headers.spells_qualified(i, name) && !used[i])
                        .collect();
                    if let [i] = hits.as_slice() {
                        return Ok(vec![*i]);
                    }
                }
                Ok(Vec::new())
            };
        if spec.id.is_empty() {
            plan.id = auto(&plan, "id", ID_NAMES)?;
        }
        if spec.region.is_empty() {
            plan.region = auto(&plan, "region", REGION_NAMES)?;
        }
        if spec.locality.is_empty() {
            plan.locality = auto(&plan, "locality", LOCALITY_NAMES)?;
        }
        for role in CountRole::ALL {
            if role.given(spec).is_empty() {
                plan.counts[role as usize] = auto(&plan, role.name(), role.recognised())?;
            }
        }
        plan.check_conflicts(headers, spec, path)?;
        Ok(plan)
    }

    pub(super) fn used_columns(&self) -> Vec<bool> {
        let mut used = vec![false; self.n_columns];
        let all = self
            .id
            .iter()
            .chain(&self.region)
            .chain(&self.locality)
            .chain(&self.stratum)
            .chain(self.counts.iter().flatten())
            .chain(&self.candidates);
        for &c in all {
            if let Some(u) = used.get_mut(c) {
                *u = true;
            }
        }
        used
    }

    /// Each column takes at most one count-or-candidate role, once; id and region
    /// parts may repeat another role but not themselves.
    fn check_conflicts(
        &self,
        headers: &Headers,
        spec: &ColumnSpec,
        path: &str,
    ) -> Result<(), InputError> {
        let conflict = |col: usize, first: &str, second: &str| InputError::ColumnConflict {
            path: path.into(),
            column: headers.names.get(col).cloned().unwrap_or_default(),
            first: first.into(),
            second: second.into(),
        };
        // Named as given: the flag, or the key of the --columns file.
        let by = |key: &str| spec.given_by(key, &format!("--{key}"));
        let mut owner: Vec<Option<String>> = vec![None; self.n_columns];
        let mut claim = |col: usize, given: String| -> Result<(), InputError> {
            match owner.get_mut(col) {
                Some(Some(prev)) => Err(conflict(col, prev, &given)),
                Some(slot) => {
                    *slot = Some(given);
                    Ok(())
                }
                None => Ok(()),
            }
        };
        for (role, cols) in CountRole::ALL.iter().zip(&self.counts) {
            for &c in cols {
                claim(c, by(role.name()))?;
            }
        }
        for &c in &self.candidates {
            claim(c, spec.given_by("candidates", "--candidate"))?;
        }
        for (list, key) in [
            (&self.id, "id"),
            (&self.region, "region"),
            (&self.locality, "locality"),
            (&self.stratum, "stratum"),
        ] {
            let mut seen = vec![false; self.n_columns];
            for &c in list {
                if std::mem::replace(&mut seen[c], true) {
                    return Err(conflict(c, &by(key), &by(key)));
                }
            }
        }
        Ok(())
    }

    /// Picks candidates automatically when none were given, checks there are some,
    /// and resolves an explicit winner. `samples[i]` says how column `i`'s sampled
    /// values read.
    pub fn finish(
        &mut self,
        headers: &Headers,
        spec: &ColumnSpec,
        path: &str,
        samples: &[ColumnSample],
        counts: &SampledCounts,
    ) -> Result<(), InputError> {
        self.drop_blank_roles(headers, spec, samples);
        self.refuse_registered_equal_to_cast(headers, spec, counts);
        if spec.candidates.is_empty() {
            self.detect_candidates(headers, path, samples)?;
            self.restore_completing_columns(headers, counts);
            self.drop_tally_candidates(headers, counts);
        } else {
            self.candidate_names = self.labels(headers, spec);
            self.check_labels(path)?;
        }
        if self.candidates.is_empty() {
            return Err(InputError::NoCandidates {
                path: path.into(),
                why: self.why_no_candidates(spec),
                fix: NAME_CANDIDATES.into(),
                headers: headers.listing(),
            });
        }
        if let Some(w) = &spec.winner {
            self.winner = Some(self.find_winner(path, spec, w.trim())?);
        }
        self.require_used_columns();
        Ok(())
    }

    /// A row may leave off trailing columns only if no role reads them.
    fn require_used_columns(&mut self) {
        let mut used = self.used_columns();
        for &(c, _) in &self.exclude {
            used[c] = true;
        }
        let last = used.iter().rposition(|&u| u).map_or(0, |i| i + 1);
        self.min_fields = self.min_fields.max(last).min(self.n_columns);
    }

    /// A count role recognised from its name whose column is blank (or a missing-value
    /// mark) in every sampled row is read as absent, and derived where it can be: read,
    /// every row would be rejected for its missing value.
    fn drop_blank_roles(&mut self, headers: &Headers, spec: &ColumnSpec, samples: &[ColumnSample]) {
        for role in CountRole::ALL {
            let &[i] = self.counts[role as usize].as_slice() else {
                continue;
            };
            let blank = samples.get(i).is_some_and(|s| s.counts + s.other == 0);
            if !role.given(spec).is_empty() || !blank {
                continue;
            }
            self.counts[role as usize].clear();
            let name = &headers.names[i];
            let derived = match role {
                CountRole::Registered => "the checks that need registered voters do not apply",
                CountRole::Ballots => "ballots are read as valid + invalid",
                CountRole::Valid => "valid votes are read as the candidates' sum",
                CountRole::Invalid => "invalid ballots are read as ballots − valid, or 0",
            };
            self.left_out.push(LeftOutColumn {
                column: name.clone(),
                why: format!(
                    "is recognised as {} but is blank in every sampled row, so {derived}",
                    role.name()
                ),
                fix: format!("pass --{} {} to read it", role.name(), single_quoted(name)),
                later: None,
            });
        }
    }

    /// A registered column recognised from its name that equals the ballots cast (or
    /// valid + invalid) in nearly every sampled row counts the voters who voted, not
    /// those registered (`Total voters`): read as registered, turnout would be 100%.
    fn refuse_registered_equal_to_cast(
        &mut self,
        headers: &Headers,
        spec: &ColumnSpec,
        counts: &SampledCounts,
    ) {
        let &[i] = self.counts[CountRole::Registered as usize].as_slice() else {
            return;
        };
        if !CountRole::Registered.given(spec).is_empty() {
            return;
        }
        let (mut rows, mut equal) = (0, 0);
        for row in counts {
            let (Some(r), Some(cast)) = (row[i], self.sampled_cast(row)) else {
                continue;
            };
            rows += 1;
            equal += usize::from(r == cast);
        }
        if rows < 5 || equal * 10 < rows * 9 {
            return;
        }
        self.counts[CountRole::Registered as usize].clear();
        self.refused.push(i);
        let quoted = single_quoted(&headers.names[i]);
        let fix = match self.has(CountRole::Ballots) {
            true => format!("if it holds the registered voters, pass --registered {quoted}"),
            false => format!("if it holds the ballots cast, pass --ballots {quoted}"),
        };
        let why = format!(
            "is named like the registered voters but equals the ballots cast in {equal} of \
             {rows} sampled rows: a count of the voters who voted, not of those registered, \
             so the checks that need registered voters do not apply"
        );
        self.leave_out_fixed(&headers.names[i].clone(), why, fix);
    }

    /// A sampled row's ballots cast: the ballots column, or valid + invalid.
    fn sampled_cast(&self, row: &[Option<u64>]) -> Option<u64> {
        self.sampled_role(row, CountRole::Ballots).or_else(|| {
            let valid = self.sampled_role(row, CountRole::Valid)?;
            valid.checked_add(self.sampled_role(row, CountRole::Invalid)?)
        })
    }

    /// Candidates from the values: the unused columns that hold mostly whole numbers,
    /// except those whose names mark them as ids, codes or another role (listed in
    /// `left_out`, with the flag that brings them back).
    fn detect_candidates(
        &mut self,
        headers: &Headers,
        path: &str,
        samples: &[ColumnSample],
    ) -> Result<(), InputError> {
        let used = self.used_columns();
        let excluded: Vec<usize> = self.exclude.iter().map(|&(c, _)| c).collect();
        // A referendum's `No` column beside a `Yes` one (in any language) is an answer,
        // not a number.
        let is_yes = |n: &String| YES_WORDS.contains(&n.trim().to_lowercase().as_str());
        let is_no = |n: &str| n.trim().eq_ignore_ascii_case("no");
        let referendum = headers.names.iter().any(is_yes);
        let mut picked = Vec::new();
        for (i, &used) in used.iter().enumerate() {
            if used || excluded.contains(&i) || self.refused.contains(&i) {
                continue;
            }
            let sample = samples.get(i).cloned().unwrap_or_default();
            let name = &headers.names[i];
            let tally = is_tally_like(name) || headers.spells_qualified_count(i);
            let named_away = self.recognised[i] || is_code_like(name) || tally;
            if !sample.is_count() {
                if !named_away {
                    self.watched.push(i);
                }
                // A column of votes that is blank or patchy early on must not vanish
                // without a word.
                // A nameless column blank in the sample is a spreadsheet's empty column.
                let blank_and_nameless = sample.counts + sample.other == 0 && is_nameless(name);
                if let Some(why) = sample
                    .undecided()
                    .filter(|_| !named_away && !blank_and_nameless)
                {
                    self.leave_out(name, &why);
                }
            } else if self.recognised[i] {
                self.leave_out_recognised(headers, i);
            } else if let Some(base) = repeated_name(headers, name) {
                self.restorable.push(i);
                self.leave_out(
                    name,
                    &format!(
                        "holds whole numbers, but is named '{base}' again with a number added, \
                         as pandas marks a repeated column name: a second column about the same \
                         candidate (a share, a rank), not another candidate"
                    ),
                );
            } else if tally {
                // Before codes: 'Registered voters added on election day' is a count.
                self.leave_out_tally(headers, i);
            } else if is_code_like(name) && !(referendum && is_no(name)) {
                self.restorable.push(i);
                self.leave_out(
                    name,
                    "holds whole numbers, but its name looks like an identifier or a code",
                );
            } else if is_nameless(name) {
                self.leave_out(
                    name,
                    "holds whole numbers, but has no name: a row number or a spreadsheet's \
                     index, not a candidate",
                );
            } else if sample.is_row_number() {
                self.restorable.push(i);
                self.leave_out(
                    name,
                    "holds whole numbers that count up from row to row: a row or station \
                     number, not a candidate's votes",
                );
            } else if sample.is_constant_code() {
                self.leave_out(
                    name,
                    "holds the same small whole number in every sampled row: a code (a state's \
                     number in a file sorted by state, a month), not a candidate's votes",
                );
            } else if sample.is_area_code() {
                self.leave_out(
                    name,
                    "holds whole numbers that stay the same for runs of rows and step up by \
                     one between them (1,1,2,2,…): the number of an area or a section, not a \
                     candidate's votes",
                );
            } else {
                picked.push(i);
            }
        }
        let mut by_name: HashMap<&str, Vec<usize>> = HashMap::new();
        for (j, name) in headers.names.iter().enumerate() {
            by_name.entry(name.as_str()).or_default().push(j);
        }
        for &i in &picked {
            let name = headers.names[i].as_str();
            if let Some(same) = by_name.get(name).filter(|s| s.len() > 1) {
                let flag = "candidate (detected from the values)";
                return Err(headers.duplicate(path, flag, name, same));
            }
        }
        self.set_candidates(headers, picked);
        Ok(())
    }

    /// Columns `cols` as the candidates, one each, named by their headers.
    fn set_candidates(&mut self, headers: &Headers, cols: Vec<usize>) {
        self.candidate_of = (0..cols.len()).collect();
        self.candidate_names = cols.iter().map(|&c| headers.names[c].clone()).collect();
        self.candidates = cols;
    }

    /// A count role's value in a sampled row: its columns' sum, `None` where the role
    /// has no column or a cell does not read.
    fn sampled_role(&self, row: &[Option<u64>], role: CountRole) -> Option<u64> {
        let cols = &self.counts[role as usize];
        (!cols.is_empty()).then(|| cols.iter().map(|&c| row[c]).sum::<Option<u64>>())?
    }

    /// Why no column was taken as a candidate: the columns of whole numbers left out,
    /// with their reasons, where there are some.
    fn why_no_candidates(&self, spec: &ColumnSpec) -> String {
        if !spec.candidates.is_empty() {
            return String::new();
        }
        if self.left_out.is_empty() {
            return ": none was given, and no other column holds mostly whole numbers \
                    (identifier and code columns such as 'id', 'code', 'no', 'year' are never \
                    taken)"
                .into();
        }
        let shown: Vec<String> = (self.left_out.iter().take(4))
            .map(|c| format!("'{}' {}", c.column, c.why))
            .collect();
        let more = match self.left_out.len().saturating_sub(4) {
            0 => String::new(),
            n => format!("; and {n} more"),
        };
        format!(
            ": none was given, and every other column was left out: {}{more}. If a count \
             was read in the wrong role, name it with --registered, --ballots, --valid or \
             --invalid",
            shown.join("; ")
        )
    }

    /// The fewest columns left out for their names or for counting up (see
    /// `restorable`) that the candidates' votes need to add up to the valid votes (or
    /// ballots less invalid; without either, to a little under the ballots) in most
    /// sampled rows, where without them they mostly do not: a referendum's `No`, a
    /// `Party X`, pandas' `Alpha.1`, a candidate's votes in a file sorted by them. Where
    /// two sets as small complete the sum, or another left-out column closes the gap to
    /// the ballots exactly, the sums cannot tell candidates from a ballot's other lines
    /// (blank and null votes): none comes back, and their notes say so.
    fn restore_completing_columns(&mut self, headers: &Headers, counts: &SampledCounts) {
        let restorable = std::mem::take(&mut self.restorable);
        let sums = CandidateSums::new(self, counts);
        let tried: Vec<usize> = (restorable.into_iter())
            .filter(|&c| sums.fits_under(c))
            .collect();
        let tried = &tried[..tried.len().min(MAX_RESTORED_TRIED)];
        let mut masks: Vec<u32> = (1..1u32 << tried.len()).collect();
        masks.sort_by_key(|m| m.count_ones());
        let cols_of = |mask: &u32| -> Vec<usize> {
            (0..tried.len())
                .filter(|&j| mask & (1 << j) != 0)
                .map(|j| tried[j])
                .collect()
        };
        let Some(first) = masks.iter().position(|m| sums.completes(&cols_of(m))) else {
            return;
        };
        let size = masks[first].count_ones();
        let mut minimal: Vec<Vec<usize>> = (masks[first..].iter())
            .take_while(|m| m.count_ones() == size)
            .map(cols_of)
            .filter(|cols| sums.completes(cols))
            .collect();
        // pandas' `X.1` completing the sum as `X` does is X's copy: X is the candidate.
        let in_minimal = |base: &str| minimal.iter().flatten().any(|&o| headers.names[o] == base);
        let copies: Vec<usize> = (minimal.iter().flatten().copied())
            .filter(|&c| repeated_name(headers, &headers.names[c]).is_some_and(in_minimal))
            .collect();
        minimal.retain(|cols| !cols.iter().any(|c| copies.contains(c)));
        if minimal.is_empty() {
            return;
        }
        let mut rivals = minimal.concat();
        rivals.extend(
            tried
                .iter()
                .filter(|&&c| sums.closes_exactly(&minimal[0], c)),
        );
        rivals.sort_unstable();
        rivals.dedup();
        if minimal.len() > 1 || rivals.len() > minimal[0].len() {
            return self.note_rival_columns(headers, &rivals);
        }
        let restored = &minimal[0];
        self.left_out
            .retain(|l| !restored.iter().any(|&c| l.column == headers.names[c]));
        let mut cols = self.candidates.clone();
        cols.extend(restored);
        cols.sort_unstable();
        self.set_candidates(headers, cols);
    }

    /// Says, in the notes of left-out columns that would complete the candidates' sum
    /// alike, why none was taken.
    fn note_rival_columns(&mut self, headers: &Headers, rivals: &[usize]) {
        let names: Vec<String> = (rivals.iter())
            .map(|&c| format!("'{}'", headers.names[c]))
            .collect();
        let why = format!(
            "; the candidates' votes add up with {} alike, as with a ballot's blank and \
             null lines, so the sums cannot tell which holds a candidate's votes",
            names.join(" or ")
        );
        for l in &mut self.left_out {
            if rivals.iter().any(|&c| l.column == headers.names[c]) {
                l.why.push_str(&why);
            }
        }
    }

    /// What a sampled row's candidates add up to: the valid votes, or ballots less
    /// invalid (exact), or failing both the ballots (a little above the votes).
    fn target(&self, row: &[Option<u64>]) -> Option<(u64, bool)> {
        if self.has(CountRole::Valid) {
            return self.sampled_role(row, CountRole::Valid).map(|v| (v, true));
        }
        let b = self.sampled_role(row, CountRole::Ballots)?;
        match self.has(CountRole::Invalid) {
            true => Some((
                b.checked_sub(self.sampled_role(row, CountRole::Invalid)?)?,
                true,
            )),
            false => Some((b, false)),
        }
    }

    /// Detected candidates that the sampled rows show to be tallies: a column equal to
    /// the other candidates' sum (the valid votes; with three candidates or more), or at
    /// least the ballots cast (or the registered voters) while others have votes.
    /// Neither is possible for a candidate at most stations.
    fn drop_tally_candidates(&mut self, headers: &Headers, counts: &SampledCounts) {
        if self.candidates.len() < 2 {
            return;
        }
        // With two candidates, one equal to the other's "sum" is a tie.
        let sums_tell = self.candidates.len() >= 3;
        // A role summed from several columns is compared as its sum (early + inside).
        let caps = [CountRole::Ballots, CountRole::Registered, CountRole::Valid];
        // Each row's sum over all candidates, so that "the others" costs one subtraction.
        let totals: Vec<u64> = (counts.iter())
            .map(|row| self.candidates.iter().map(|&o| row[o].unwrap_or(0)).sum())
            .collect();
        let mut kept = Vec::new();
        for &c in &self.candidates.clone() {
            let (mut rows, mut sums, mut above, mut near) = (0, 0, 0, 0);
            for (row, total) in counts.iter().zip(&totals) {
                let Some(v) = row[c] else { continue };
                let others = total - v;
                rows += 1;
                sums += usize::from(others > 0 && v == others);
                // The others' sum and a few more (invalid ballots): no candidate's votes
                // keep so close above the rest's at nearly every station.
                near += usize::from(others > 0 && v >= others && (v - others) * 10 <= v);
                let over = (caps.iter())
                    .any(|&r| self.sampled_role(row, r).is_some_and(|b| b > 0 && v >= b));
                above += usize::from(others > 0 && over);
            }
            let most = |hits: usize| rows >= 5 && hits * 5 >= rows * 4;
            let name = &headers.names[c];
            if sums_tell && most(sums) {
                let why = format!(
                    "equals the sum of the other candidates in {sums} of {rows} sampled rows: \
                     a total of the votes, not a candidate"
                );
                let fix = format!(
                    "if it is the valid votes, pass --valid {}",
                    single_quoted(name)
                );
                self.leave_out_fixed(&name.clone(), why, fix);
            } else if most(above) {
                self.leave_out(
                    name,
                    &format!(
                        "holds at least the ballots cast, the registered voters or the valid \
                         votes in {above} of {rows} sampled rows while other candidates have \
                         votes: a tally, not a candidate"
                    ),
                );
            } else if sums_tell && rows >= 5 && near * 10 >= rows * 9 {
                self.leave_out_total(name, near, rows);
            } else {
                kept.push(c);
            }
        }
        self.set_candidates(headers, kept);
    }

    /// A detected candidate that holds the other candidates' sum or a little more in
    /// `near` of `rows` sampled rows: the ballots (or the valid votes) counted again.
    fn leave_out_total(&mut self, name: &str, near: usize, rows: usize) {
        let shown = single_quoted(name);
        let fix = match self.has(CountRole::Ballots) {
            true => format!("if it holds a candidate's votes, pass --candidate {shown}"),
            false => format!("if it holds the ballots cast, pass --ballots {shown}"),
        };
        let why = format!(
            "holds the sum of the other candidates' votes or up to a tenth more in {near} of \
             {rows} sampled rows: a total of the votes or the ballots, not a candidate"
        );
        self.leave_out_fixed(name, why, fix);
    }

    /// A whole-number column named like a role that another column took: the fix names
    /// that role's flag first, since that is what the name says it holds.
    fn leave_out_recognised(&mut self, headers: &Headers, i: usize) {
        let name = &headers.names[i];
        let role = CountRole::ALL
            .into_iter()
            .find(|r| r.recognised().iter().any(|n| headers.spells(i, n)));
        let Some(role) = role else {
            let why = "holds whole numbers, but its name is on a list of recognised role names";
            return self.leave_out(name, why);
        };
        let quoted = single_quoted(name);
        self.left_out.push(LeftOutColumn {
            column: name.clone(),
            why: format!(
                "holds whole numbers and is named like the {} column, which another column \
                 already is",
                role.name()
            ),
            fix: format!(
                "if it holds the {0}, pass --{0} {quoted} (or name the other column); if it \
                 holds a candidate's votes, pass --candidate {quoted}",
                role.name()
            ),
            later: None,
        });
    }

    /// A whole-number column named like a tally: where its name holds a count role's
    /// word and the file has no such column, the fix is that role's flag.
    fn leave_out_tally(&mut self, headers: &Headers, i: usize) {
        let name = headers.names[i].as_str();
        let why = "holds whole numbers, but its name reads as a total, a rate or a ballot \
                   count, not a candidate";
        let Some(role) = self.tally_role(headers, i) else {
            return self.leave_out(name, why);
        };
        let fix = format!(
            "if it holds the {0}, pass --{0} {1}",
            role.name(),
            single_quoted(name)
        );
        self.leave_out_fixed(name, why.to_string(), fix);
    }

    /// The absent count role a tally-named column may hold, by the words of its name.
    /// Voters who took part are never the register; a qualified `voters` (`Total
    /// voters`) may be the ballots or the register, the ballots first.
    fn tally_role(&self, headers: &Headers, i: usize) -> Option<CountRole> {
        let parts = word_parts(&headers.names[i]);
        let took_part = parts.iter().any(|p| TOOK_PART_WORDS.contains(&p.as_str()));
        let by_word = (ROLE_WORDS.iter())
            .find(|(word, _)| parts.iter().any(|p| p == word))
            .map(|&(_, role)| role);
        let roles = match by_word {
            // All of the ballots or a part (those voting by absentee certificate).
            Some(CountRole::Registered) if took_part => Vec::new(),
            Some(role) => vec![role],
            None if BARE_ONLY_NAMES
                .iter()
                .any(|n| headers.spells_qualified(i, n)) =>
            {
                vec![CountRole::Ballots, CountRole::Registered]
            }
            None => Vec::new(),
        };
        roles.into_iter().find(|&role| !self.has(role))
    }

    fn leave_out(&mut self, name: &str, why: &str) {
        let fix = format!(
            "name every candidate with --candidate (e.g. --candidate {}), or list it under \
             candidates in the --columns file",
            single_quoted(name)
        );
        self.leave_out_fixed(name, why.to_string(), fix);
    }

    /// Lists column `name` as left out, with why and the flag that would read it.
    fn leave_out_fixed(&mut self, name: &str, why: String, fix: String) {
        self.left_out.push(LeftOutColumn {
            column: name.to_string(),
            why,
            fix,
            later: None,
        });
    }

    /// Each candidate's label; a plain column keeps the header's own spelling.
    fn labels(&self, headers: &Headers, spec: &ColumnSpec) -> Vec<String> {
        let mut at = 0;
        spec.candidates
            .iter()
            .map(|c| {
                let col = self.candidates.get(at).copied();
                at += c.columns.len();
                match (c.columns.as_slice(), col) {
                    ([one], Some(col)) if *one == c.label => headers.names[col].clone(),
                    _ => c.label.clone(),
                }
            })
            .collect()
    }

    /// Two candidates may not share a label: the report could not tell them apart.
    fn check_labels(&self, path: &str) -> Result<(), InputError> {
        for (j, name) in self.candidate_names.iter().enumerate() {
            if self.candidate_names[..j].contains(name) {
                return Err(InputError::DuplicateCandidate {
                    path: path.into(),
                    name: name.clone(),
                });
            }
        }
        Ok(())
    }

    /// `--winner`: a candidate's label, or the column of a one-column candidate; exact,
    /// else unique ignoring case.
    fn find_winner(&self, path: &str, spec: &ColumnSpec, w: &str) -> Result<usize, InputError> {
        let names: Vec<&str> = self.candidate_names.iter().map(String::as_str).collect();
        let columns: Vec<Option<&str>> = (0..names.len())
            .map(
                |j| match spec.candidates.get(j).map(|c| c.columns.as_slice()) {
                    Some([one]) => Some(one.as_str()),
                    _ => None,
                },
            )
            .collect();
        // Case and Unicode composition aside (`é` as one character or two).
        let blind = |n: &str| n.nfc().collect::<String>().to_lowercase();
        let lower = blind(w);
        let same = |n: &str| blind(n) == lower;
        // A candidate's own name before another's column (a label may reuse a column's
        // name), and exact spellings before case-blind ones.
        let stages: [&dyn Fn(usize) -> bool; 4] = [
            &|j| names[j] == w,
            &|j| columns[j] == Some(w),
            &|j| same(names[j]),
            &|j| columns[j].is_some_and(same),
        ];
        let found = stages.iter().find_map(|stage| {
            let mut hits = (0..names.len()).filter(|&j| stage(j));
            let first = hits.next()?;
            Some((first, hits.next().is_none()))
        });
        match found {
            Some((j, true)) => Ok(j),
            // Two candidates spelled alike up to case: say so, not "no such candidate".
            Some(_) => Err(InputError::AmbiguousColumn {
                path: path.into(),
                flag: "--winner".into(),
                column: w.into(),
                matches: (0..names.len())
                    .filter(|&j| same(names[j]))
                    .map(|j| format!("'{}'", names[j]))
                    .collect::<Vec<_>>()
                    .join(", "),
            }),
            None => Err(InputError::UnknownWinner {
                path: path.into(),
                winner: w.into(),
                candidates: names
                    .iter()
                    .map(|c| format!("'{c}'"))
                    .collect::<Vec<_>>()
                    .join(", "),
            }),
        }
    }

    /// Every column and the role it took, in header order.
    pub fn column_roles(&self) -> Vec<ColumnRole> {
        let mut roles: Vec<Vec<&str>> = vec![Vec::new(); self.n_columns];
        let mut add = |cols: &[usize], role: &'static str| {
            for &c in cols {
                if let Some(r) = roles.get_mut(c) {
                    if !r.contains(&role) {
                        r.push(role);
                    }
                }
            }
        };
        add(&self.id, "id");
        add(&self.region, "region");
        add(&self.locality, "locality");
        add(&self.stratum, "stratum");
        for role in CountRole::ALL {
            add(&self.counts[role as usize], role.name());
        }
        add(&self.candidates, "candidate");
        roles
            .into_iter()
            .enumerate()
            .map(|(i, r)| ColumnRole {
                column: self.names.get(i).cloned().unwrap_or_default(),
                role: if r.is_empty() {
                    "ignored".into()
                } else {
                    r.join("+")
                },
            })
            .collect()
    }

    pub fn has(&self, role: CountRole) -> bool {
        !self.counts[role as usize].is_empty()
    }

    pub fn name(&self, col: usize) -> &str {
        self.names.get(col).map(String::as_str).unwrap_or("")
    }
}

/// One sampled row as [`CandidateSums::rows`] reads it.
struct SumRow<'s> {
    row: &'s [Option<u64>],
    base: u64,
    sum: u64,
    target: u64,
    exact: bool,
}

/// The sampled rows' candidate sums and what they should add up to, to try the
/// left-out columns that may complete them.
struct CandidateSums<'a> {
    counts: &'a SampledCounts,
    /// The candidates' sum in each row.
    bases: Vec<Option<u64>>,
    /// Each row's target and whether it is exact (see [`ColumnPlan::target`]).
    targets: Vec<Option<(u64, bool)>>,
}

impl<'a> CandidateSums<'a> {
    fn new(plan: &ColumnPlan, counts: &'a SampledCounts) -> Self {
        CandidateSums {
            counts,
            bases: (counts.iter())
                .map(|row| plan.candidates.iter().map(|&o| row[o]).sum())
                .collect(),
            targets: counts.iter().map(|r| plan.target(r)).collect(),
        }
    }

    /// Whether column `c` stays under the target in most rows: votes never exceed the
    /// total they add up to.
    fn fits_under(&self, c: usize) -> bool {
        let under = (self.counts.iter().zip(&self.targets))
            .filter(|(row, t)| matches!((row[c], t), (Some(v), Some((t, _))) if v <= *t))
            .count();
        under * 5 >= self.counts.len() * 4
    }

    /// The rows where the candidates and `cols` read: each with the candidates' sum,
    /// that with `cols` added, the target and whether it is exact.
    fn rows<'s>(&'s self, cols: &'s [usize]) -> impl Iterator<Item = SumRow<'s>> + 's {
        (self.counts.iter().zip(&self.bases).zip(&self.targets)).filter_map(|((row, base), t)| {
            let added: Option<u64> = cols.iter().map(|&c| row[c]).sum();
            let (base, (target, exact)) = ((*base)?, (*t)?);
            let sum = base.checked_add(added?)?;
            Some(SumRow {
                row,
                base,
                sum,
                target,
                exact,
            })
        })
    }

    /// Whether the candidates with `cols` add up in most rows, and without them mostly
    /// do not. Short of a valid column, the ballots are a little more than the votes:
    /// the invalid ballots, a few percent.
    fn completes(&self, cols: &[usize]) -> bool {
        let adds_up = |sum: u64, t: u64, exact: bool| match exact {
            true => sum == t,
            false => sum <= t && (t - sum) * 20 <= t,
        };
        let (mut rows, mut with, mut without) = (0, 0, 0);
        for r in self.rows(cols) {
            rows += 1;
            with += usize::from(adds_up(r.sum, r.target, r.exact));
            without += usize::from(adds_up(r.base, r.target, r.exact));
        }
        rows >= 5 && with * 5 >= rows * 4 && without * 5 < rows
    }

    /// Whether column `c`, not in `cols`, fills the gap between the candidates with
    /// `cols` and the ballots exactly in most rows (where short of a valid column the
    /// ballots are the target): then `c` is as much a line of the ballot as `cols`.
    fn closes_exactly(&self, cols: &[usize], c: usize) -> bool {
        if cols.contains(&c) {
            return false;
        }
        let (mut rows, mut closed) = (0, 0);
        for r in self.rows(cols) {
            rows += 1;
            let v = r.row[c].unwrap_or(0);
            closed += usize::from(!r.exact && v > 0 && r.sum.checked_add(v) == Some(r.target));
        }
        rows >= 5 && closed * 5 >= rows * 4
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_parts_cut_at_punctuation_case_and_digits() {
        assert_eq!(word_parts("PS CODE"), ["ps", "code"]);
        assert_eq!(word_parts("stationId"), ["station", "id"]);
        assert_eq!(word_parts("lat2"), ["lat", "2"]);
        assert!(is_code_like("Nr OKW"));
        assert!(!is_code_like("Candidate No. 1") && !is_code_like("Liste Nr. 12"));
        assert!(is_code_like("No. 1") && is_code_like("Region code 1"));
        assert!(is_code_like("Commission No 1") && is_code_like("Unit No 5"));
        assert!(is_code_like("zip_code"));
        assert!(!is_code_like("Zyuganov"));
        assert!(!is_code_like("Noname"));
        assert!(!is_code_like("Nixon"));
    }

    #[test]
    fn near_match_suggests_close_headers() {
        let h = Headers::new(vec![
            "Registered voters".into(),
            "Ballots".into(),
            "A".into(),
        ]);
        assert_eq!(h.near_match("registered-voters"), Some("Registered voters"));
        assert_eq!(h.near_match("balots"), Some("Ballots"));
        assert_eq!(h.near_match("registered"), Some("Registered voters"));
        assert_eq!(h.near_match("zzz"), None);
    }
}
