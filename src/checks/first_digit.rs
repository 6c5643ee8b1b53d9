//! `first-digit` (stub).

use super::{Check, CheckContext};
use crate::report::{CheckResult, Family};

pub struct FirstDigit;

impl Check for FirstDigit {
    fn id(&self) -> &'static str {
        "first-digit"
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
