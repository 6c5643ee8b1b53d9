//! `last-digit` (stub).

use super::{Check, CheckContext};
use crate::report::{CheckResult, Family};

pub struct LastDigit;

impl Check for LastDigit {
    fn id(&self) -> &'static str {
        "last-digit"
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
