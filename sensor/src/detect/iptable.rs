//! IP prefix tables.
