//! Whether automation may start a turn now. Usage limits and budgets (issue 17's other parts) own the answer; until
//! their service lands, this stands in for it and always says yes. The merger wires [`automation_may_start_turn`] to
//! that service's "may automation start a turn now? else why and until when".

/// Why automation must wait, and until when (ms since the epoch).
#[derive(Debug, Clone)]
pub struct Deferral {
    pub reason: String,
    pub until_ms: i64,
}

/// May a routine start a turn in this session (or a new one in this project) now?
pub fn automation_may_start_turn(_session_id: Option<&str>, _project_id: Option<&str>) -> Result<(), Deferral> {
    Ok(())
}
