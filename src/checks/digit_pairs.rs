//! `digit-pairs` (stub).

use super::{Check, CheckContext};
use crate::report::{CheckResult, Family};

pub struct DigitPairs;

impl Check for DigitPairs {
    fn id(&self) -> &'static str {
        "digit-pairs"
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
