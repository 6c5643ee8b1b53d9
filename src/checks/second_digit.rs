//! `second-digit` (stub).

use super::{Check, CheckContext};
use crate::report::{CheckResult, Family};

pub struct SecondDigit;

impl Check for SecondDigit {
    fn id(&self) -> &'static str {
        "second-digit"
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
