//! A GET operation written by hand for the client tests, since the description has only a PATCH.

use graph_beta_intune::models::{ODataError, UserAppInstallStatus};
use graph_beta_intune::runtime::{encode_path_segment, Operation};
use graph_beta_intune::RequestError;
use http::Method;

/// A GET defined here, since the description has only the PATCH: idempotent, so retried by default.
pub struct GetStatus<'a> {
    pub id: &'a str,
}

impl Operation for GetStatus<'_> {
    type Output = Option<UserAppInstallStatus>;
    type Error = ODataError;
    const METHOD: Method = Method::GET;

    fn service(&self) -> &'static graph_beta_intune::runtime::Service {
        &graph_beta_intune::SERVICE
    }

    fn path(&self) -> Result<String, RequestError> {
        Ok(format!("/deviceAppManagement/mobileApps/app/userStatuses/{}", encode_path_segment("id", self.id)?))
    }
}

