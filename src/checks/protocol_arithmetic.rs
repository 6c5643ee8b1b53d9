//! `protocol-arithmetic` (stub).

use super::{Check, CheckContext};
use crate::report::{CheckResult, Family};

pub struct ProtocolArithmetic;

impl Check for ProtocolArithmetic {
    fn id(&self) -> &'static str {
        "protocol-arithmetic"
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
