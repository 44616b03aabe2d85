//! Projects: create, rename or re-point, delete when empty. Moving or deleting all of a project's sessions is a
//! session operation (`Sessions::move_project_sessions`, `Sessions::delete_project_sessions`).

use std::path::Path;
use std::sync::Arc;

use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

use super::core::Core;
use crate::events::{EventType, NewEvent};
use crate::services::error::{ErrorCode, ServiceError, ServiceResult};
use crate::services::views::Project;
use crate::store::StoreError;

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateProject {
    /// Unique, 1–200 characters.
    pub name: String,
    /// Absolute path of an existing directory.
    pub cwd: String,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateProject {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub cwd: Option<String>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MoveSessions {
    /// Target project; null moves the sessions out of any project.
    pub to_project_id: Option<String>,
}

fn validate_name(name: &str) -> ServiceResult<String> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(ServiceError::invalid("`name` must be 1 to 200 characters"));
    }
    Ok(name.to_string())
}

/// A working directory must be absolute and exist: app-server runs commands there.
/// A working directory as the host stores it: absolute (a leading `~` is the host user's home, as a shell would
/// read it; the browser cannot know that home) and an existing directory.
pub(crate) fn validate_cwd(cwd: &str) -> ServiceResult<String> {
    let expanded = expand_home(cwd, std::env::var_os("HOME").as_deref().map(Path::new));
    let path = Path::new(&expanded);
    if !path.is_absolute() {
        return Err(ServiceError::invalid(format!("`cwd` must be an absolute path (or start with `~/`), got `{cwd}`")));
    }
    if !path.is_dir() {
        return Err(ServiceError::new(crate::services::ErrorKind::Invalid, ErrorCode::CwdNotFound, format!("`{expanded}` is not an existing directory")));
    }
    Ok(expanded)
}

/// `~` and `~/rest` under `home`; anything else (including `~user`) as given.
fn expand_home(cwd: &str, home: Option<&Path>) -> String {
    let rest = match cwd.strip_prefix('~') {
        Some("") => "",
        Some(rest) if rest.starts_with('/') => rest,
        _ => return cwd.to_string(),
    };
    match home.and_then(Path::to_str) {
        Some(home) => format!("{}{rest}", home.trim_end_matches('/')),
        None => cwd.to_string(),
    }
}

pub(crate) fn project_error(id: &str) -> impl FnOnce(StoreError) -> ServiceError + '_ {
    move |e| match e {
        StoreError::NotFound => ServiceError::not_found(ErrorCode::ProjectNotFound, format!("no project `{id}`")),
        StoreError::Conflict(_) => ServiceError::conflict(ErrorCode::ProjectNameTaken, "a project with that name exists"),
        other => other.into(),
    }
}

/// Projects: named working directories that group sessions.
pub struct Projects {
    core: Arc<Core>,
}

impl Projects {
    pub(super) fn new(core: Arc<Core>) -> Self {
        Self { core }
    }

    pub async fn list_projects(&self) -> ServiceResult<Vec<Project>> {
        Ok(self.core.store().list_projects().await?.into_iter().map(Project::from).collect())
    }

    pub async fn get_project(&self, id: &str) -> ServiceResult<Project> {
        Ok(self.core.store().get_project(id).await.map_err(project_error(id))?.into())
    }

    pub async fn create_project(&self, req: CreateProject) -> ServiceResult<Project> {
        let name = validate_name(&req.name)?;
        let cwd = validate_cwd(&req.cwd)?;
        let id = uuid::Uuid::now_v7().to_string();
        let row = self.core.store().insert_project(&id, &name, &cwd).await.map_err(project_error(&id))?;
        let project = Project::from(row);
        self.core.record_event(NewEvent::new(EventType::ProjectCreated, &project).session(None, Some(id.as_str().into()))).await?;
        Ok(project)
    }

    pub async fn update_project(&self, id: &str, req: UpdateProject) -> ServiceResult<Project> {
        let name = req.name.as_deref().map(validate_name).transpose()?;
        let cwd = req.cwd.as_deref().map(validate_cwd).transpose()?;
        let row = self.core.store().update_project(id, name.as_deref(), cwd.as_deref()).await.map_err(project_error(id))?;
        let project = Project::from(row);
        self.core.record_event(NewEvent::new(EventType::ProjectUpdated, &project).session(None, Some(id.into()))).await?;
        Ok(project)
    }

    pub async fn delete_project(&self, id: &str) -> ServiceResult<()> {
        self.core.store().delete_empty_project(id).await.map_err(|e| match e {
            StoreError::Conflict(_) => ServiceError::conflict(
                ErrorCode::ProjectNotEmpty,
                "the project still has sessions: move or delete them first",
            ),
            other => project_error(id)(other),
        })?;
        self.core.record_event(NewEvent::new(EventType::ProjectDeleted, json!({"id": id})).session(None, Some(id.into()))).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_leading_tilde_is_the_home_and_nothing_else_is_touched() {
        let home = Some(Path::new("/home/me"));
        assert_eq!(expand_home("~", home), "/home/me");
        assert_eq!(expand_home("~/src/app", home), "/home/me/src/app");
        assert_eq!(expand_home("~other/x", home), "~other/x", "another user's home is not guessed");
        assert_eq!(expand_home("/abs/~/x", home), "/abs/~/x");
        assert_eq!(expand_home("~/x", None), "~/x", "no home: left for the absolute-path check to refuse");
        assert_eq!(expand_home("~/x", Some(Path::new("/"))), "/x");
    }
}
