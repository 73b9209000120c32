//! Models written by hand as graph-codegen writes them: read member by member, the members they
//! do not declare kept as sent; a PATCH body; and Graph's error body.

use graph_runtime::__private::{MemberWriter, Members, deserialize_members};
use graph_runtime::Patch;
use graph_runtime::objects::UnknownMembers;
use graph_runtime::paging::Page;
use serde::de::MapAccess;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A status, with a nested model (its app) so that unknown members are kept at two levels.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Status {
    pub id: Option<String>,
    pub user_name: Option<String>,
    pub installed_device_count: Option<i32>,
    pub app: Option<App>,
    pub additional_properties: UnknownMembers,
}

impl Members for Status {
    fn read_member<'de, A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<bool, A::Error> {
        match key {
            "id" => self.id = map.next_value()?,
            "userName" => self.user_name = map.next_value()?,
            "installedDeviceCount" => self.installed_device_count = map.next_value()?,
            "app" => self.app = map.next_value()?,
            _ => return Ok(false),
        }
        Ok(true)
    }
    fn unknown_members(&mut self) -> &mut UnknownMembers {
        &mut self.additional_properties
    }
}

impl<'de> Deserialize<'de> for Status {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserialize_members(deserializer)
    }
}

impl Serialize for Status {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = MemberWriter::new(serializer)?;
        map.optional("id", &self.id)?;
        map.optional("userName", &self.user_name)?;
        map.optional("installedDeviceCount", &self.installed_device_count)?;
        map.optional("app", &self.app)?;
        map.end(&self.additional_properties)
    }
}

/// The app a status is of.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct App {
    pub id: Option<String>,
    pub display_name: Option<String>,
    pub additional_properties: UnknownMembers,
}

impl Members for App {
    fn read_member<'de, A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<bool, A::Error> {
        match key {
            "id" => self.id = map.next_value()?,
            "displayName" => self.display_name = map.next_value()?,
            _ => return Ok(false),
        }
        Ok(true)
    }
    fn unknown_members(&mut self) -> &mut UnknownMembers {
        &mut self.additional_properties
    }
}

impl<'de> Deserialize<'de> for App {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserialize_members(deserializer)
    }
}

impl Serialize for App {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = MemberWriter::new(serializer)?;
        map.optional("id", &self.id)?;
        map.optional("displayName", &self.display_name)?;
        map.end(&self.additional_properties)
    }
}

/// The PATCH body of a status: a nullable member and one that cannot be null.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct StatusPatch {
    #[serde(rename = "userName", skip_serializing_if = "Patch::is_unchanged")]
    pub user_name: Patch<String>,
    #[serde(rename = "installedDeviceCount", skip_serializing_if = "Option::is_none")]
    pub installed_device_count: Option<i32>,
}

/// One page of statuses, with its next link.
#[derive(Debug, Deserialize)]
pub struct StatusPage {
    pub value: Vec<Status>,
    #[serde(rename = "@odata.nextLink")]
    pub next_link: Option<String>,
}

impl Page for StatusPage {
    type Item = Status;
    fn into_items(self) -> Vec<Status> {
        self.value
    }
    fn next_link(&self) -> Option<&str> {
        self.next_link.as_deref()
    }
}

/// Graph's error body: `{"error": {"code", "message", "innerError"}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ODataError {
    pub error: MainError,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MainError {
    pub code: String,
    pub message: String,
    /// Graph spells it `innerError`; its description, `innererror`.
    #[serde(rename = "innerError", alias = "innererror", default, skip_serializing_if = "Option::is_none")]
    pub innererror: Option<serde_json::Value>,
}
