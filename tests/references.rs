//! When the cross-object rules of `references` and `availability` judge a
//! reference: directory evidence, kustomize label transforms, operators'
//! custom resources, the nearest of several same-named objects.

mod common;

use common::lint_files;

const DEPLOY: &str = "apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: registry.example.com/web:1.0.0}]
";

const DANGLING_SVC: &str = "apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  selector: {app: frontend}
  ports: [{port: 80}]
";

/// (rule, file) of the findings of one rule.
fn findings(files: &[(&str, &str)], rule: &str) -> Vec<(String, String)> {
    let files: Vec<(&str, &[u8])> = files.iter().map(|(n, t)| (*n, t.as_bytes())).collect();
    lint_files(&files, &[rule])
        .findings
        .iter()
        .filter(|f| &*f.rule == rule)
        .map(|f| (f.rule.to_string(), f.file.to_string()))
        .collect()
}

#[test]
fn a_service_is_judged_where_its_directory_ships_workloads() {
    let here = findings(
        &[
            ("app/deploy.yaml", DEPLOY),
            ("app/service.yaml", DANGLING_SVC),
        ],
        "dangling-service",
    );
    assert_eq!(here.len(), 1, "{here:?}");
    // Services kept apart from the workloads (another repository's
    // layout, or pods deployed from elsewhere) are not judged.
    let apart = findings(
        &[
            ("app/deploy.yaml", DEPLOY),
            ("services/web.yaml", DANGLING_SVC),
        ],
        "dangling-service",
    );
    assert!(apart.is_empty(), "{apart:?}");
    // One stream (helm template | kubelint -) is one directory.
    let stream = format!("{DEPLOY}---\n{DANGLING_SVC}");
    assert_eq!(
        findings(&[("<stdin>", &stream)], "dangling-service").len(),
        1
    );
}

#[test]
fn operators_custom_resources_suspend_selector_findings() {
    let prometheus = "apiVersion: monitoring.coreos.com/v1
kind: Prometheus
metadata: {name: k8s, namespace: shop}
spec: {replicas: 2}
";
    let monitor = "apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  endpoints: [{port: http}]
";
    let with_operator = findings(
        &[
            ("app/deploy.yaml", DEPLOY),
            ("app/service.yaml", DANGLING_SVC),
            ("app/prometheus.yaml", prometheus),
        ],
        "dangling-service",
    );
    assert!(with_operator.is_empty(), "{with_operator:?}");
    // A ServiceMonitor is configuration: it creates no pods.
    let with_monitor = findings(
        &[
            ("app/deploy.yaml", DEPLOY),
            ("app/service.yaml", DANGLING_SVC),
            ("app/monitor.yaml", monitor),
        ],
        "dangling-service",
    );
    assert_eq!(with_monitor.len(), 1, "{with_monitor:?}");
}

#[test]
fn kustomize_label_transforms_suspend_selector_findings() {
    // The base's Deployment gets its labels from the overlay's
    // commonLabels; a budget written against them is fine.
    let base_deploy = "apiVersion: apps/v1
kind: Deployment
metadata: {name: metrics, namespace: kube-system}
spec:
  template:
    spec:
      containers: [{name: m, image: registry.example.com/m:1.0.0}]
";
    let base = "apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources: [deployment.yaml]
";
    let overlay = "apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
commonLabels: {k8s-app: metrics}
resources: [../../base]
";
    let pdb = "apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: metrics, namespace: kube-system}
spec:
  minAvailable: 1
  selector: {matchLabels: {k8s-app: metrics}}
";
    let mut files = vec![
        ("m/base/deployment.yaml", base_deploy),
        ("m/base/kustomization.yaml", base),
        ("m/base/pdb.yaml", pdb),
    ];
    // Without the label transform, the budget selects nothing.
    assert_eq!(findings(&files, "dangling-pdb").len(), 1);
    files.push(("m/overlays/prod/kustomization.yaml", overlay));
    assert!(findings(&files, "dangling-pdb").is_empty());
}

#[test]
fn an_autoscaler_binds_to_the_nearest_workload_of_its_name() {
    let replicated = DEPLOY.replace("spec:\n  selector", "spec:\n  replicas: 3\n  selector");
    let hpa = "apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web, namespace: shop}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 2
  maxReplicas: 5
";
    let got = findings(
        &[
            ("shop/hpa/web.yaml", hpa),
            ("shop/deploy/web.yaml", &replicated),
            ("other/team/apps/prod/web.yaml", &replicated),
        ],
        "hpa-managed-replicas",
    );
    assert_eq!(
        got,
        [(
            "hpa-managed-replicas".to_string(),
            "shop/deploy/web.yaml".to_string()
        )]
    );
}

#[test]
fn placeholders_and_the_default_service_account_are_not_judged() {
    let sa = "apiVersion: v1
kind: ServiceAccount
metadata: {name: web, namespace: shop}
";
    let with_sa = |name: &str| {
        DEPLOY.replace(
            "    spec:\n      containers",
            &format!("    spec:\n      serviceAccountName: {name}\n      containers"),
        )
    };
    let uses_web = with_sa("web").replace("name: web, namespace", "name: api, namespace");
    for (name, expected) in [
        ("default", 0),
        ("\"$KSA_NAME\"", 0),
        ("\"<KSA_NAME>\"", 0),
        ("KSA_NAME", 0),
        ("checkout", 1),
    ] {
        let d = with_sa(name);
        let got = findings(
            &[
                ("a/sa.yaml", sa),
                ("a/api.yaml", &uses_web),
                ("a/d.yaml", &d),
            ],
            "missing-service-account",
        );
        assert_eq!(got.len(), expected, "{name}: {got:?}");
    }
}

#[test]
fn kustomize_generated_config_maps_are_not_missing() {
    let used = "apiVersion: v1
kind: ConfigMap
metadata: {name: shared, namespace: shop}
data: {A: a}
";
    let deploy = DEPLOY.replace(
        "      containers: [{name: web, image: registry.example.com/web:1.0.0}]",
        "      containers:
        - name: web
          image: registry.example.com/web:1.0.0
          envFrom: [{configMapRef: {name: shared}}, {configMapRef: {name: web-env}}]",
    );
    let generator = "apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources: [deploy.yaml, shared.yaml]
configMapGenerator:
  - name: web-env
    envs: [web.env]
";
    let mut files = vec![
        ("app/deploy.yaml", deploy.as_str()),
        ("app/shared.yaml", used),
    ];
    assert_eq!(findings(&files, "dangling-config-reference").len(), 1);
    files.push(("app/kustomization.yaml", generator));
    assert!(findings(&files, "dangling-config-reference").is_empty());
}
