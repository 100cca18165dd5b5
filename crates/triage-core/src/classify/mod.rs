//! Classification of alerts and tickets into categories, with a confidence.
