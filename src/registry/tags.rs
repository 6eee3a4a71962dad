//! Tag listing (`GET /v2/<name>/tags/list`), following `Link: <…>; rel="next"` verbatim
//! until the last page. The client never builds `last=`/`n=` itself: cursors are the
//! registry's business (Quay and ECR use opaque ones). A listing stops with an error
//! past [`super::ClientOptions::max_pages`] pages or `max_tags` tags.

use std::collections::HashSet;

use super::client::{Method, RegistryClient};
use super::error::{RegistryError, json_detail, registry_text};
use super::link::{next_link, resolve};
use super::tag_page::read_page;
use crate::source::Tags;

impl RegistryClient {
    /// Every tag of `repository`, across all pages, in the order the registry sent them;
    /// an error past the page or tag limit.
    pub fn list_tags_of(&self, repository: &str) -> Result<Tags, RegistryError> {
        let mut url = self.api_url(repository, "tags/list");
        let mut seen = HashSet::new();
        let mut tags = Tags::new();
        let mut pages = 0;
        loop {
            let exchange = self.fetch(Method::Get, &url, "application/json", repository)?;
            match exchange.status {
                200 => {}
                404 => {
                    return Err(RegistryError::NotFound {
                        host: self.host().to_owned(),
                        repository: repository.to_owned(),
                        tag: None,
                    });
                }
                status => {
                    return Err(RegistryError::Status {
                        host: self.host().to_owned(),
                        repository: repository.to_owned(),
                        status,
                        attempts: 1,
                    });
                }
            }
            read_page(&exchange.body, &mut tags).map_err(|source| RegistryError::InvalidJson {
                host: self.host().to_owned(),
                repository: repository.to_owned(),
                what: "tag list",
                detail: json_detail(&source),
            })?;
            pages += 1;
            let too_long = |what, limit| RegistryError::ListingTooLong {
                host: self.host().to_owned(),
                repository: repository.to_owned(),
                what,
                limit,
            };
            if tags.len() > self.options().max_tags {
                return Err(too_long("tags", self.options().max_tags));
            }
            let Some(link) = exchange.header("link") else {
                break;
            };
            let invalid = |reason| RegistryError::InvalidLink {
                host: self.host().to_owned(),
                repository: repository.to_owned(),
                link: registry_text(link),
                reason,
            };
            let Some(target) = next_link(link).map_err(invalid)? else {
                break;
            };
            if pages >= self.options().max_pages {
                return Err(too_long("pages", self.options().max_pages));
            }
            let next = resolve(&url, target);
            seen.insert(std::mem::replace(&mut url, next));
            if seen.contains(&url) {
                return Err(invalid("it points back to a page already read"));
            }
        }
        Ok(tags)
    }
}
