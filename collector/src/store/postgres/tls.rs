//! TLS to PostgreSQL with rustls and the `ring` provider: the configuration for what the
//! connection string asked ([`TlsParams`]), the certificate check of the modes that do not check
//! the host name, and errors that say what to change.

use std::sync::{
    Arc,
    atomic::{AtomicBool, Ordering},
};

use rustls::{
    ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
    client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier},
    crypto::CryptoProvider,
    pki_types::{CertificateDer, ServerName, UnixTime, pem::PemObject},
};
use tokio_postgres::{
    Socket,
    tls::{MakeTlsConnect, TlsConnect},
};
use tokio_postgres_rustls::MakeRustlsConnect;

use super::{
    conninfo::{RootCert, TlsParams},
    describe,
};
use crate::store::BoxFuture;

/// The TLS side of connecting: what the connection string asked for, and the rustls
/// configuration that does it.
#[derive(Clone)]
pub(super) struct Tls {
    pub(super) params: TlsParams,
    pub(super) connector: MakeRustlsConnect,
}

impl Tls {
    /// Builds the rustls configuration for `params`, reading the root certificates now (once:
    /// reconnections reuse them).
    pub(super) fn new(params: TlsParams) -> std::result::Result<Tls, String> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = ClientConfig::builder_with_provider(Arc::clone(&provider))
            .with_safe_default_protocol_versions()
            .map_err(|e| format!("TLS: {e}"))?;
        let roots = params.roots.as_ref().map(load_roots).transpose()?;
        let mut config = match roots {
            Some(roots) if params.check_host => {
                builder.with_root_certificates(roots).with_no_client_auth()
            }
            roots => builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(WithoutHostName { roots, provider }))
                .with_no_client_auth(),
        };
        // As libpq 17 does: servers before 17 ignore it, 17 needs it for sslnegotiation=direct.
        config.alpn_protocols = vec![b"postgresql".to_vec()];
        Ok(Tls {
            params,
            connector: MakeRustlsConnect::new(config),
        })
    }

    /// A failed connection's error, saying what to change when TLS is the cause.
    pub(super) fn describe(&self, e: &tokio_postgres::Error) -> String {
        let mode = self.params.mode.name();
        let mut cause = std::error::Error::source(e);
        while let Some(c) = cause {
            // tokio-postgres's words when the server answers the TLS request with "no".
            if c.to_string() == "server does not support TLS" {
                return format!("the server does not support TLS but sslmode={mode}");
            }
            let rustls = c
                .downcast_ref::<std::io::Error>()
                .and_then(|io| io.get_ref())
                .and_then(|inner| inner.downcast_ref::<rustls::Error>());
            if let Some(rustls) = rustls {
                return self.describe_tls(rustls);
            }
            cause = c.source();
        }
        describe(e)
    }

    fn describe_tls(&self, e: &rustls::Error) -> String {
        use rustls::{CertificateError, Error::InvalidCertificate};
        let mode = self.params.mode.name();
        match e {
            InvalidCertificate(CertificateError::UnknownIssuer) => {
                let (roots, hint) = match &self.params.roots {
                    Some(RootCert::File(path)) => (format!("sslrootcert {}", path.display()), ""),
                    _ => (
                        RootCert::System.to_string(),
                        "; for a private authority add sslrootcert=/path/to/ca.pem",
                    ),
                };
                format!(
                    "TLS with sslmode={mode}: the server's certificate is not signed by an \
                     authority of {roots}{hint} ({e})"
                )
            }
            InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            ) => format!(
                "TLS with sslmode={mode}: the server's certificate is not valid for the host \
                 name of the URL ({e})"
            ),
            InvalidCertificate(_) => {
                format!("TLS with sslmode={mode}: the server's certificate is refused ({e})")
            }
            _ => format!("TLS with sslmode={mode}: the handshake failed ({e})"),
        }
    }
}

/// Reads the root certificates named by `sslrootcert` (or the system's).
fn load_roots(roots: &RootCert) -> std::result::Result<RootCertStore, String> {
    let mut store = RootCertStore::empty();
    match roots {
        RootCert::File(path) => {
            let fail = |e: &dyn std::fmt::Display| format!("sslrootcert {}: {e}", path.display());
            let certs = CertificateDer::pem_file_iter(path)
                .and_then(Iterator::collect::<std::result::Result<Vec<_>, _>>)
                .map_err(|e| match e {
                    rustls::pki_types::pem::Error::Io(e) => fail(&e),
                    e => fail(&format_args!("not a PEM file of certificates: {e}")),
                })?;
            if certs.is_empty() {
                return Err(fail(
                    &"no certificate in it (PEM, `-----BEGIN CERTIFICATE-----`)",
                ));
            }
            for cert in certs {
                store.add(cert).map_err(|e| fail(&e))?;
            }
        }
        RootCert::System => {
            let found = rustls_native_certs::load_native_certs();
            let (added, _) = store.add_parsable_certificates(found.certs);
            if added == 0 {
                let why = match found.errors.first() {
                    Some(e) => format!(" ({e})"),
                    None => String::new(),
                };
                return Err(format!(
                    "sslmode=verify-full: no root certificates found on this system{why}; \
                     install them (Debian: ca-certificates) or give sslrootcert=/path/to/ca.pem"
                ));
            }
        }
    }
    Ok(store)
}

/// The certificate check for every mode but `verify-full`, where libpq checks no host name:
/// with `roots`, the certificate must be signed by one of them and valid today; without, any
/// certificate is accepted (`prefer`, `require`: encrypted, not authenticated). Either way the
/// handshake's signatures are checked, so the server holds the key of the certificate it sent.
#[derive(Debug)]
struct WithoutHostName {
    roots: Option<RootCertStore>,
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for WithoutHostName {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        if let Some(roots) = &self.roots {
            let cert = rustls::server::ParsedCertificate::try_from(end_entity)?;
            rustls::client::verify_server_cert_signed_by_trust_anchor(
                &cert,
                roots,
                intermediates,
                now,
                self.provider.signature_verification_algorithms.all,
            )?;
        }
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

type RustlsConnect = <MakeRustlsConnect as MakeTlsConnect<Socket>>::TlsConnect;

/// The rustls connector, noting whether a TLS session was set up (with `prefer` the log says
/// whether the connection ended up encrypted).
pub(super) struct Handshake {
    pub(super) connector: MakeRustlsConnect,
    pub(super) done: Arc<AtomicBool>,
}

impl MakeTlsConnect<Socket> for Handshake {
    type Stream = <MakeRustlsConnect as MakeTlsConnect<Socket>>::Stream;
    type TlsConnect = HandshakeConnect;
    type Error = <MakeRustlsConnect as MakeTlsConnect<Socket>>::Error;

    fn make_tls_connect(
        &mut self,
        domain: &str,
    ) -> std::result::Result<HandshakeConnect, Self::Error> {
        Ok(HandshakeConnect {
            inner: MakeTlsConnect::<Socket>::make_tls_connect(&mut self.connector, domain)?,
            done: Arc::clone(&self.done),
        })
    }
}

pub(super) struct HandshakeConnect {
    inner: RustlsConnect,
    done: Arc<AtomicBool>,
}

impl TlsConnect<Socket> for HandshakeConnect {
    type Stream = <RustlsConnect as TlsConnect<Socket>>::Stream;
    type Error = <RustlsConnect as TlsConnect<Socket>>::Error;
    type Future = BoxFuture<'static, std::result::Result<Self::Stream, Self::Error>>;

    fn connect(self, stream: Socket) -> Self::Future {
        let handshake = self.inner.connect(stream);
        let done = self.done;
        Box::pin(async move {
            let stream = handshake.await?;
            done.store(true, Ordering::Relaxed);
            Ok(stream)
        })
    }
}
