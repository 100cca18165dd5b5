//! Fetching GGUS tickets over HTTPS with an X.509 client certificate, a proxy or a token.
