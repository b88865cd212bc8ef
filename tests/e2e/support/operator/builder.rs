//! How an end-to-end test's world is described and started: the services of the
//! simulator's seed (with the principals every test uses), its configuration, and extra
//! `apimcap run` flags.

use std::time::Duration;

use apimcap_sim::{self as sim, Seed, SimConfig};

use super::*;

/// A service in the simulator's seed; the first region is the primary.
#[derive(Clone, Debug)]
pub struct SeedSvc {
    pub name: String,
    pub sku: String,
    pub regions: Vec<(String, u32)>,
    /// Extra seed lines of this service (four-space indented), e.g. `    zones: ["1"]\n`.
    pub extra: String,
}

impl SeedSvc {
    fn yaml(&self) -> String {
        let (primary, units) = &self.regions[0];
        let mut out = format!(
            "  - subscription: {SUB}\n    resourceGroup: {RG}\n    name: {}\n    location: {primary}\n    sku: {}\n    capacity: {units}\n    publisherEmail: platform@contoso.com\n    publisherName: Contoso\n",
            self.name, self.sku
        );
        if self.regions.len() > 1 {
            out.push_str("    additionalLocations:\n");
            for (location, units) in &self.regions[1..] {
                out.push_str(&format!(
                    "      - {{location: {location}, capacity: {units}}}\n"
                ));
            }
        }
        out.push_str(&self.extra);
        out
    }
}

fn seed_yaml(services: &[SeedSvc], principals: &str, sections: &str) -> String {
    let mut out = String::from("services:\n");
    for s in services {
        out.push_str(&s.yaml());
    }
    out.push_str(&format!(
        "principals:\n  - {{tenant: {TENANT}, clientId: {OPERATOR_CLIENT}, clientSecret: {OPERATOR_SECRET}}}\n  - {{tenant: {TENANT}, clientId: {TEAM_CLIENT}, clientSecret: {TEAM_SECRET}}}\n  - tenant: {TENANT}\n    clientId: {READER_CLIENT}\n    clientSecret: {READER_SECRET}\n    roles: [{{scope: /subscriptions/{SUB}, access: read}}]\n  - tenant: {TENANT}\n    clientId: {NOBODY_CLIENT}\n    clientSecret: {NOBODY_SECRET}\n    roles: []\n"
    ));
    out.push_str(principals);
    out.push_str(sections);
    out
}

/// How an [`E2e`] starts.
pub struct Builder {
    test: String,
    services: Vec<SeedSvc>,
    principals: String,
    sections: String,
    config: SimConfig,
    args: Vec<String>,
    start_operator: bool,
    image: Option<String>,
}

impl Builder {
    /// Adds a service to the seed, named after the test (`-2`, `-3`... for more).
    pub fn service(self, sku: &str, regions: &[(&str, u32)]) -> Self {
        self.service_with(sku, regions, "")
    }

    /// [`Builder::service`] with extra seed lines for it (four-space indented: zones, a
    /// subnet, `virtualNetworkType`...).
    pub fn service_with(mut self, sku: &str, regions: &[(&str, u32)], extra: &str) -> Self {
        let slug: String = self
            .test
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .take(36)
            .collect();
        let slug = slug.trim_matches('-');
        let name = match self.services.len() {
            0 => format!("{slug}-apim"),
            n => format!("{slug}-apim-{}", n + 1),
        };
        self.services.push(SeedSvc {
            name,
            sku: sku.to_string(),
            regions: regions.iter().map(|(l, u)| (l.to_string(), *u)).collect(),
            extra: extra.to_string(),
        });
        self
    }

    /// Extra principals of the seed (list entries, two-space indented).
    pub fn principals(mut self, yaml: &str) -> Self {
        self.principals.push_str(yaml);
        self
    }

    /// Extra top-level sections of the seed (`subnets:`, `locks:`).
    pub fn seed_sections(mut self, yaml: &str) -> Self {
        self.sections.push_str(yaml);
        self
    }

    /// Changes the simulator's configuration.
    pub fn sim(mut self, change: impl FnOnce(&mut SimConfig)) -> Self {
        change(&mut self.config);
        self
    }

    /// An extra `apimcap run` argument as `--flag=value`; it replaces the default of that flag.
    /// `{ns}` in it becomes the test's namespace.
    pub fn arg(mut self, arg: &str) -> Self {
        self.args.push(arg.to_string());
        self
    }

    /// Runs the operator from container `image` (see [`super::container`]).
    pub fn image(mut self, image: &str) -> Self {
        self.image = Some(image.to_string());
        self
    }

    /// Starts the simulator only; call [`E2e::start_operator`] later.
    pub fn without_operator(mut self) -> Self {
        self.start_operator = false;
        self
    }

    pub fn start(mut self) -> E2e {
        // The operator watches every namespace: no other test may use the control plane.
        let access = super::super::access::exclusive();
        let cp = shared();
        cp.install_crds();
        let ns = cp.namespace(&self.test);
        let seed = seed_yaml(&self.services, &self.principals, &self.sections);
        self.config.seed = Seed::parse(&seed).expect("the test seed parses");
        let _ = rustls::crypto::ring::default_provider().install_default();
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("a runtime for the simulator");
        let handle = rt
            .block_on(sim::start(self.config))
            .expect("the simulator starts");
        let dir = cp.tempdir("e2e-");
        let ca = dir.path().join("sim-ca.pem");
        std::fs::write(&ca, handle.ca_pem()).expect("writing the simulator CA");
        let cert = reqwest::Certificate::from_pem(handle.ca_pem().as_bytes()).expect("CA parses");
        let http = reqwest::Client::builder()
            .tls_certs_only([cert])
            .timeout(Duration::from_secs(20))
            .build()
            .expect("an HTTP client");
        let log = dir.path().join("apimcap.log");
        let mut e2e = E2e {
            cp,
            ns,
            services: self.services,
            rt,
            sim: Some(handle),
            http,
            ca,
            log,
            args: self.args,
            metrics_port: 0,
            operator: None,
            standby: None,
            starts: 0,
            names: Default::default(),
            image: self.image,
            _dir: dir,
            _access: access,
        };
        if self.start_operator {
            e2e.start_operator();
        }
        e2e
    }
}

impl E2e {
    /// Describes the world of test `test`; `start` makes it.
    pub fn builder(test: &str) -> Builder {
        Builder {
            test: test.to_string(),
            services: Vec::new(),
            principals: String::new(),
            sections: String::new(),
            config: SimConfig {
                retry_after: 1,
                time_scale: TIME_SCALE,
                ..SimConfig::default()
            },
            args: Vec::new(),
            start_operator: true,
            image: None,
        }
    }
}
