//! The OpenAPI 3.1 document, generated from the handlers' annotations and served at
//! `/api/openapi.json`.

use axum::Json;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::error::ErrorBody;
use super::{dids, directory, extensions, organization, sites, tenants};

/// The admin API document. Every route of [`super::router`] must be listed in `paths`; a test
/// compares the two.
#[derive(OpenApi)]
#[openapi(
    info(title = "sitedial admin API", description = "Enterprises, sites, tenants, extensions, DIDs and the shared directory of a sitedial platform."),
    paths(
        get_openapi,
        organization::list_enterprises,
        organization::create_enterprise,
        organization::get_enterprise,
        organization::update_enterprise,
        organization::delete_enterprise,
        organization::promote_tenant,
        sites::list_sites_grid,
        sites::create_site,
        sites::assign_sites,
        sites::unassign_sites,
        sites::delete_sites,
        directory::list_directory,
        directory::create_directory_entry,
        directory::update_directory_entry,
        directory::delete_directory_entry,
        tenants::list_tenants,
        tenants::create_tenant,
        tenants::get_tenant,
        tenants::update_tenant,
        tenants::delete_tenant,
        extensions::list_extensions,
        extensions::create_extension,
        extensions::get_extension,
        extensions::update_extension,
        extensions::delete_extension,
        dids::list_dids,
        dids::create_did,
        dids::get_did,
        dids::update_did,
        dids::delete_did,
    ),
    components(schemas(ErrorBody)),
    modifiers(&BearerAuth),
    security(("bearer" = [])),
    tags(
        (name = "organization", description = "Enterprises (the Organization API)"),
        (name = "sites", description = "The site lifecycle and the sites grid"),
        (name = "directory", description = "The enterprise's shared directory"),
        (name = "tenants", description = "Tenants, standalone or sites"),
        (name = "extensions", description = "SIP users of a tenant"),
        (name = "dids", description = "Public numbers of a tenant"),
        (name = "meta", description = "This document"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("A token from `sitedial token create`"))
                    .build(),
            ),
        );
    }
}

/// Returns the OpenAPI document of the admin API.
#[utoipa::path(get, path = "/api/openapi.json", tag = "meta", security(()),
    responses((status = 200, description = "the OpenAPI 3.1 document", content_type = "application/json")))]
pub async fn get_openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

/// Returns every `(method, path)` of the document, methods lowercase, for comparing with the router.
pub fn documented_routes() -> Vec<(String, String)> {
    let document = ApiDoc::openapi();
    let mut routes = Vec::new();
    for (path, item) in &document.paths.paths {
        let operations = [
            ("get", item.get.is_some()),
            ("post", item.post.is_some()),
            ("put", item.put.is_some()),
            ("delete", item.delete.is_some()),
            ("patch", item.patch.is_some()),
            ("head", item.head.is_some()),
            ("options", item.options.is_some()),
            ("trace", item.trace.is_some()),
        ];
        for (method, present) in operations {
            if present {
                routes.push((method.to_owned(), path.clone()));
            }
        }
    }
    routes.sort();
    routes
}
