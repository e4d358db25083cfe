//! Creates the table from `crate::table` (the same definition template.yaml declares).

use aws_sdk_dynamodb::{
    operation::create_table::CreateTableError,
    types::{
        AttributeDefinition, BillingMode, CreateGlobalSecondaryIndexAction, GlobalSecondaryIndex,
        GlobalSecondaryIndexUpdate, KeySchemaElement, KeyType, Projection, ProjectionType,
        ScalarAttributeType,
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
            req = req.attribute_definitions(string_attribute(attr)?);
        }
        for g in GSIS {
            req = req.global_secondary_indexes(
                GlobalSecondaryIndex::builder()
                    .index_name(g.name)
                    .key_schema(key(g.pk, KeyType::Hash)?)
                    .key_schema(key(g.sk, KeyType::Range)?)
                    .projection(projection(g))
                    .build()
                    .map_err(|e| ApiError::Internal(e.to_string()))?,
            );
        }
        match req.send().await {
            Ok(_) => Ok(true),
            Err(e) => match e.into_service_error() {
                CreateTableError::ResourceInUseException(_) => {
                    self.add_missing_gsis().await?;
                    Ok(false)
                }
                other => Err(internal("CreateTable", other)),
            },
        }
    }

    /// A table made before an index was added (a local table kept in `.local/`) gets the
    /// missing GSIs, one UpdateTable each (DynamoDB adds one index per update).
    async fn add_missing_gsis(&self) -> Result<(), ApiError> {
        let out = self
            .db
            .describe_table()
            .table_name(&self.table)
            .send()
            .await
            .map_err(|e| internal("DescribeTable", e))?;
        let have: Vec<String> = out
            .table()
            .map(|t| {
                t.global_secondary_indexes()
                    .iter()
                    .filter_map(|g| g.index_name().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        for g in GSIS.iter().filter(|g| !have.iter().any(|h| h == g.name)) {
            let create = CreateGlobalSecondaryIndexAction::builder()
                .index_name(g.name)
                .key_schema(key(g.pk, KeyType::Hash)?)
                .key_schema(key(g.sk, KeyType::Range)?)
                .projection(projection(g))
                .build()
                .map_err(|e| ApiError::Internal(e.to_string()))?;
            let mut req = self.db.update_table().table_name(&self.table);
            for attr in [g.pk, g.sk] {
                req = req.attribute_definitions(string_attribute(attr)?);
            }
            req.global_secondary_index_updates(
                GlobalSecondaryIndexUpdate::builder().create(create).build(),
            )
            .send()
            .await
            .map_err(|e| internal("UpdateTable", e))?;
        }
        Ok(())
    }
}

fn string_attribute(name: &str) -> Result<AttributeDefinition, ApiError> {
    AttributeDefinition::builder()
        .attribute_name(name)
        .attribute_type(ScalarAttributeType::S)
        .build()
        .map_err(|e| ApiError::Internal(e.to_string()))
}

fn projection(g: &crate::table::Gsi) -> Projection {
    Projection::builder()
        .projection_type(if g.keys_only {
            ProjectionType::KeysOnly
        } else {
            ProjectionType::All
        })
        .build()
}
