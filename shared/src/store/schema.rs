//! Creates the table from `crate::table` (the same definition template.yaml declares).

use aws_sdk_dynamodb::{
    operation::create_table::CreateTableError,
    types::{
        AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType,
        Projection, ProjectionType, ScalarAttributeType,
    },
};

use super::{internal, Store};
use crate::error::ApiError;
use crate::table::{key_attributes, GSIS, PK, SK};

fn key(name: &str, kind: KeyType) -> Result<KeySchemaElement, ApiError> {
    KeySchemaElement::builder()
        .attribute_name(name)
        .key_type(kind)
        .build()
        .map_err(|e| ApiError::Internal(e.to_string()))
}

impl Store {
    /// Creates the table and its GSIs if missing. Returns whether it was created.
    pub async fn ensure_table(&self) -> Result<bool, ApiError> {
        let mut req = self
            .db
            .create_table()
            .table_name(&self.table)
            .billing_mode(BillingMode::PayPerRequest)
            .key_schema(key(PK, KeyType::Hash)?)
            .key_schema(key(SK, KeyType::Range)?);
        for attr in key_attributes() {
            req = req.attribute_definitions(
                AttributeDefinition::builder()
                    .attribute_name(attr)
                    .attribute_type(ScalarAttributeType::S)
                    .build()
                    .map_err(|e| ApiError::Internal(e.to_string()))?,
            );
        }
        for g in GSIS {
            req = req.global_secondary_indexes(
                GlobalSecondaryIndex::builder()
                    .index_name(g.name)
                    .key_schema(key(g.pk, KeyType::Hash)?)
                    .key_schema(key(g.sk, KeyType::Range)?)
                    .projection(
                        Projection::builder()
                            .projection_type(ProjectionType::All)
                            .build(),
                    )
                    .build()
                    .map_err(|e| ApiError::Internal(e.to_string()))?,
            );
        }
        match req.send().await {
            Ok(_) => Ok(true),
            Err(e) => match e.into_service_error() {
                CreateTableError::ResourceInUseException(_) => Ok(false),
                other => Err(internal("CreateTable", other)),
            },
        }
    }
}
