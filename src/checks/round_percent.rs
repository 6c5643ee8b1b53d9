//! `round-percent` (stub).

use super::{Check, CheckContext};
use crate::report::{CheckResult, Family};

pub struct RoundPercent;

impl Check for RoundPercent {
    fn id(&self) -> &'static str {
        "round-percent"
    }
    fn family(&self) -> Family {
        Family::Holm
    }
    fn describe(&self) -> &'static str {
        "stub"
    }
    fn run(&self, _ctx: &CheckContext) -> Vec<CheckResult> {
        Vec::new()
    }
}
