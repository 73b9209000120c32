//! A paged listing written by hand for the client tests, since the description has none.

use graph_beta_intune::models::{ODataError, UserAppInstallStatus};
use graph_beta_intune::paging::Page;
use graph_beta_intune::runtime::Operation;
use graph_beta_intune::RequestError;
use http::Method;

/// One page of statuses, with its next link.
#[derive(serde::Deserialize)]
pub struct StatusPage {
    pub value: Vec<UserAppInstallStatus>,
    #[serde(rename = "@odata.nextLink")]
    pub next_link: Option<String>,
}

impl Page for StatusPage {
    type Item = UserAppInstallStatus;
    fn into_items(self) -> Vec<UserAppInstallStatus> {
        self.value
    }
    fn next_link(&self) -> Option<&str> {
        self.next_link.as_deref()
    }
}

/// A paged listing written by hand: the description has none.
pub struct ListStatuses;

impl Operation for ListStatuses {
    type Output = Option<StatusPage>;
    type Error = ODataError;
    const METHOD: Method = Method::GET;

    fn service(&self) -> &'static graph_beta_intune::runtime::Service {
        &graph_beta_intune::SERVICE
    }

    fn path(&self) -> Result<String, RequestError> {
        Ok("/deviceAppManagement/mobileApps/app/userStatuses".to_string())
    }
}
