//! Reading a response body with a cap, the one way every client of the shell reads answers
//! it did not write: at most `max` bytes are kept, and the caller learns whether there was
//! more and whether the body broke off, to decide what that means for it.

/// A body read up to a cap.
#[derive(Debug, Default)]
pub struct Capped {
    /// The bytes read, at most the cap.
    pub body: Vec<u8>,
    /// The body was longer than the cap (reading stopped there).
    pub over: bool,
    /// The body broke off with this error; `body` holds what came before.
    pub error: Option<reqwest::Error>,
}

/// Reads at most `max` bytes of `response`'s body.
pub async fn read_capped(response: &mut reqwest::Response, max: usize) -> Capped {
    let mut capped = Capped::default();
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                let room = max - capped.body.len();
                if chunk.len() > room {
                    capped.body.extend_from_slice(&chunk[..room]);
                    capped.over = true;
                    return capped;
                }
                capped.body.extend_from_slice(&chunk);
            }
            Ok(None) => return capped,
            Err(e) => {
                capped.error = Some(e);
                return capped;
            }
        }
    }
}
