"""Mutation check of the deploy tests: each entry breaks one deployment file in
one way, runs the compiled tests, and expects them to fail; the file is
restored after each. Entries with a fifth element run other tests instead:
('observe', PATTERN) runs `go test -run PATTERN ./observe/`, ('root', PATTERN)
`go test -run PATTERN .` (the operators' listener, serve --worker=false, the
README's tables: a Go file's mutation recompiles the package, about 30 s each).
Run from anywhere:

    python3 deploy/testdata/mutate.py            # all
    python3 deploy/testdata/mutate.py deploy     # the deploy tests' only (about a minute)

It prints one line per mutation (caught, with the first failure, or MISSED)
and exits 1 when one was missed or no longer applies. Not run by CI (it takes
about ten minutes in all).
"""
import os, subprocess, sys, tempfile
R=os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))+'/'
TEST=os.path.join(tempfile.mkdtemp(), 'deploy.test')
subprocess.run(['go','test','-c','-o',TEST,'./deploy/'],cwd=R,check=True)
B='deploy/k8s/base/'
M=[
(B+'api-deployment.yaml','path: /readyz','path: /ready',0),
(B+'api-deployment.yaml','readOnlyRootFilesystem: true','readOnlyRootFilesystem: false',0),
(B+'api-deployment.yaml','allowPrivilegeEscalation: false','allowPrivilegeEscalation: true',0),
(B+'api-deployment.yaml','drop: ["ALL"]','drop: ["NET_RAW"]',0),
(B+'api-deployment.yaml','runAsUser: 65532','runAsUser: 0',0),
(B+'api-deployment.yaml','runAsNonRoot: true','runAsNonRoot: false',0),
(B+'api-deployment.yaml','args: ["serve"]','args: ["serv"]',0),
(B+'api-deployment.yaml','              memory: 1Gi\n','',0),
(B+'api-deployment.yaml','periodSeconds: 10','periodSecond: 10',0),
(B+'api-deployment.yaml','key: admin-key','key: admin-kee',0),
(B+'api-deployment.yaml','automountServiceAccountToken: false','automountServiceAccountToken: true',0),
(B+'kustomization.yaml','JAMSOSTEK_LOG_FORMAT=json','JAMSOSTEK_LOGFORMAT=json',0),
(B+'kustomization.yaml','      - JAMSOSTEK_ADDR=:8080\n','      - JAMSOSTEK_ADDR=:8080\n      - JAMSOSTEK_FEEDS_CONFIG=/etc/feeds.yaml\n',0),
(B+'kustomization.yaml','JAMSOSTEK_RATE_LIMIT=20/s burst 40','JAMSOSTEK_RATE_LIMIT=20 per second',0),
(B+'kustomization.yaml','JAMSOSTEK_SYNC_SCHEDULE=0 2 * * *','JAMSOSTEK_SYNC_SCHEDULE=0 25 * * *',0),
(B+'kustomization.yaml','JAMSOSTEK_CORS_ORIGINS=none','JAMSOSTEK_CORS_ORIGINS=*',0),
(B+'kustomization.yaml','JAMSOSTEK_ADDR=:8080','JAMSOSTEK_ADDR=:9090',0),
(B+'api-service.yaml','targetPort: http','targetPort: https',0),
(B+'api-service.yaml','    app.kubernetes.io/component: api\n  ports','    app.kubernetes.io/component: worker\n  ports',0),
(B+'api-hpa.yaml','    name: jamsostek-api','    name: jamsostek-worker',0),
(B+'api-hpa.yaml','minReplicas: 2','minReplicas: 1',0),
(B+'api-pdb.yaml','minAvailable: 1','minAvailable: 2',0),
(B+'api-pdb.yaml','component: api','component: worker',0),
(B+'networkpolicy.yaml','port: 8080','port: 8081',0),
(B+'networkpolicy.yaml','port: 27017','port: 27018',-1),
(B+'networkpolicy.yaml','port: 443','port: 8443',-1),
(B+'networkpolicy.yaml','policyTypes: ["Ingress", "Egress"]\n','policyTypes: ["Ingress", "Egress"]\n  ingress:\n    - ports:\n        - port: 6060\n',-1),
(B+'worker-deployment.yaml','args: ["worker"]','args: ["worker", "--bogus"]',0),
(B+'worker-deployment.yaml','terminationGracePeriodSeconds: 60','terminationGracePeriodSeconds: 10',0),
(B+'worker-deployment.yaml','key: feed-token','key: feed-token\n            - name: JAMSOSTEK_ADMIN_KEY\n              value: hunter2',0),
(B+'serviceaccount.yaml','automountServiceAccountToken: false','automountServiceAccountToken: true',0),
('deploy/k8s/overlays/staging/kustomization.yaml','newTag: "staging"','newTag: "latest"',0),
('deploy/k8s/overlays/production/api.yaml','name: jamsostek-mongodb-production','name: jamsostek-mongo-prod',0),
('deploy/k8s/overlays/production/api.yaml','cpu: 500m','cpu: 5',0),
('deploy/k8s/secret.example.yaml','admin-key: REPLACE-ME','admin-key: 3f9a1c',0),
('deploy/compose/compose.yaml','{_id: 2, host: "mongo3:27017"','{_id: 2, host: "mongo4:27017"',0),
('deploy/compose/compose.yaml','JAMSOSTEK_ADDR: ":8080"','JAMSOSTEK_ADDR: ":9090"',0),
('deploy/compose/compose.yaml','JAMSOSTEK_FEED_BASE_URL: http://feedsim:8090','JAMSOSTEK_FEED_BASE_URL: http://feedsim:8091',0),
('deploy/compose/compose.yaml','      JAMSOSTEK_PRESET:','      JAMSOSTEK_FEED_BASE_URL: http://feedsim:8090\n      JAMSOSTEK_PRESET:',0),
('deploy/compose/compose.yaml','JAMSOSTEK_ADMIN_KEY: ${JAMSOSTEK_ADMIN_KEY:?set JAMSOSTEK_ADMIN_KEY in deploy/compose/.env (see env.example)}','JAMSOSTEK_ADMIN_KEY: secret123',0),
('deploy/compose/compose.yaml','mongo2: {condition: service_healthy}','mongo2: {condition: service_started}',0),
('deploy/compose/compose.yaml','target: debug','target: runtime',0),
('deploy/compose/compose.yaml','  restart: unless-stopped','  restartt: unless-stopped',0),
('deploy/compose/compose.yaml','JAMSOSTEK_LEASE_TTL: 2m','JAMSOSTEK_LEASE_TIME: 2m',0),
('deploy/compose/compose.yaml','"--replSet", "rs0"','"--replSetX", "rs0"',0),
('deploy/compose/compose.yaml','command: ["worker"]','command: ["wrker"]',0),
('deploy/compose/compose.yaml','"--scale"','"--scal"',0),
('deploy/compose/compose.yaml','8080/readyz','8080/healthz',-1),
('deploy/compose/compose.yaml','mongo-init: {condition: service_completed_successfully}','mongo-init: {condition: service_started}',-1),
('deploy/compose/env.example','JAMSOSTEK_FEED_TOKEN=replace-with-a-random-feed-token\n','',0),
('deploy/Dockerfile','USER 65532:65532','USER nonroot',-1),
('deploy/Dockerfile','USER 65532:65532','USER 0:0',0),
('deploy/Dockerfile','CGO_ENABLED=0','CGO_ENABLED=1',-1),
('deploy/Dockerfile','-trimpath ','',0),
('deploy/Dockerfile','CMD ["serve"]','CMD ["server"]',-1),
('deploy/Dockerfile','EXPOSE 8080','EXPOSE 8000',-1),
('deploy/Dockerfile','COPY --from=build --chown=65532:65532 /out/data /data','COPY --from=build /out/data /data',-1),
('deploy/Dockerfile','ENTRYPOINT ["/usr/local/bin/jamsostek"]','ENTRYPOINT ["/jamsostek"]',-1),
('deploy/Dockerfile','ENV JAMSOSTEK_DATA_DIR=/data','ENV JAMSOSTEK_DATADIR=/data',-1),
('deploy/Dockerfile','FROM gcr.io/distroless/static-debian12:nonroot AS runtime','FROM debian:12 AS runtime',0),
('deploy/Dockerfile','COPY --from=build /out/jamsostek','COPY --from=builder /out/jamsostek',0),
('.dockerignore','**/*_test.go\n','**/*_test.go\n*.go\n',0),
('.dockerignore','.git\n','',0),
('docs/deployment.md','kubectl apply -k deploy/k8s/overlays/production','kubectl apply -k overlays/production',0),
('docs/deployment.md','| `jamsostek-secrets` | `feed-token` |','| `jamsostek-secret` | `feed-token` |',0),
]
M+=[
(B+'kustomization.yaml','JAMSOSTEK_KEY_CACHE_TTL=30s','JAMSOSTEK_KEY_CACHE_TTL=5m',0),
(B+'kustomization.yaml','JAMSOSTEK_FEED_PAGE_SIZE=500','JAMSOSTEK_FEED_PAGE_SIZE=50000',0),
(B+'kustomization.yaml','JAMSOSTEK_LOG_LEVEL=info','JAMSOSTEK_LOG_LEVEL=verbose',0),
(B+'kustomization.yaml','JAMSOSTEK_AUDIT_RETENTION=400d','JAMSOSTEK_AUDIT_RETENTION=400days',0),
(B+'kustomization.yaml','JAMSOSTEK_LEASE_TTL=2m','JAMSOSTEK_LEASE_TTL=100ms',0),
]
M+=[
(B+'api-deployment.yaml','    metadata:\n      labels:\n        app.kubernetes.io/name: jamsostek\n        app.kubernetes.io/component: api\n','    metadata:\n      annotations:\n        prometheus.io/scrape: "true"\n        prometheus.io/port: "9090"\n      labels:\n        app.kubernetes.io/name: jamsostek\n        app.kubernetes.io/component: api\n',0),
(B+'api-deployment.yaml','              app.kubernetes.io/component: api\n','              app.kubernetes.io/component: apis\n',0),
]
# issue 13 (ops): the worker's probes on its operators' port, that port open to
# the monitoring namespace only, the profiler off, the API without the worker,
# Prometheus's discovery of the pods.
W=B+'worker-deployment.yaml'
M+=[
(W,'          readinessProbe:\n            httpGet:\n              path: /readyz\n              port: ops\n            periodSeconds: 10\n            timeoutSeconds: 5\n            failureThreshold: 3\n','',0),
(W,'          livenessProbe:\n            httpGet:\n              path: /healthz\n              port: ops\n','          livenessProbe:\n            exec:\n              command: ["/usr/local/bin/jamsostek", "--help"]\n',0),
(W,'path: /readyz','path: /healthz',0),
(W,'              port: ops','              port: 8080',0),
(W,'            - name: ops','            - name: metrics',0),
(W,'args: ["worker"]','args: ["worker", "--pprof"]',0),
(B+'api-deployment.yaml','            - name: ops\n              containerPort: 6060\n              protocol: TCP\n','',0),
(B+'kustomization.yaml','      - JAMSOSTEK_OPS_ADDR=:6060\n','      - JAMSOSTEK_OPS_ADDR=:6060\n      - JAMSOSTEK_PPROF=true\n',0),
(B+'kustomization.yaml','JAMSOSTEK_OPS_ADDR=:6060','JAMSOSTEK_OPS_ADDR=127.0.0.1:6060',0),
(B+'kustomization.yaml','      - JAMSOSTEK_OPS_ADDR=:6060\n','',0),
(B+'kustomization.yaml','      - JAMSOSTEK_WORKER=false\n','',0),
(B+'kustomization.yaml','JAMSOSTEK_WORKER=false','JAMSOSTEK_WORKER=true',0),
(B+'networkpolicy.yaml','    - from:\n        - namespaceSelector:\n            matchLabels:\n              kubernetes.io/metadata.name: monitoring\n      ports:','    - ports:',0),
(B+'networkpolicy.yaml','    - from:\n        - namespaceSelector:\n            matchLabels:\n              kubernetes.io/metadata.name: monitoring\n      ports:','    - ports:',-1),
(B+'networkpolicy.yaml','        - namespaceSelector:\n            matchLabels:\n              kubernetes.io/metadata.name: monitoring\n      ports:\n        - protocol: TCP\n          port: 6060','        - namespaceSelector: {}\n      ports:\n        - protocol: TCP\n          port: 6060',-1),
(B+'networkpolicy.yaml','        - namespaceSelector:\n            matchLabels:\n              kubernetes.io/metadata.name: monitoring\n      ports:','        - ipBlock:\n            cidr: 0.0.0.0/0\n      ports:',0),
(B+'networkpolicy.yaml','  ingress:\n    - ports:\n        - protocol: TCP\n          port: 8080\n','  ingress:\n    - ports:\n        - protocol: TCP\n          port: 8080\n        - protocol: TCP\n          port: 6060\n',0),
(B+'networkpolicy.yaml','          port: 6060','          port: 6061',-1),
('deploy/prometheus/prometheus-kubernetes.yml','regex: jamsostek;api;ops','regex: jamsostek;api;.*',0),
('deploy/prometheus/prometheus-kubernetes.yml','regex: jamsostek;worker;ops','regex: jamsostek;.*;ops',0),
('deploy/prometheus/prometheus-kubernetes.yml','names: [jamsostek, jamsostek-staging]','names: [jamsostek]',-1),
('deploy/prometheus/prometheus-kubernetes.yml','__meta_kubernetes_pod_label_app_kubernetes_io_component','__meta_kubernetes_pod_label_app_kubernetes_io_componnt',-1),
('deploy/prometheus/prometheus-kubernetes.yml','        action: keep','        action: drop',0),
('deploy/prometheus/prometheus.yml','targets: ["worker:6060"]','targets: ["worker:8080"]',0),
('deploy/prometheus/prometheus.yml','    static_configs:\n      - targets: ["worker:6060"]','    authorization:\n      type: Bearer\n      credentials_file: /etc/prometheus/jamsostek-api-key\n    static_configs:\n      - targets: ["worker:6060"]',0),
('deploy/compose/compose.yaml','"http://127.0.0.1:6060/readyz"','"http://127.0.0.1:6060/healthz"',0),
('deploy/compose/compose.yaml','      JAMSOSTEK_OPS_ADDR: ":6060"\n    healthcheck:','    healthcheck:',0),
('deploy/compose/compose.yaml','JAMSOSTEK_WORKER: "false"','JAMSOSTEK_WORKER: "true"',0),
('deploy/compose/compose.yaml','      - "${JAMSOSTEK_PORT:-8080}:8080"\n','      - "${JAMSOSTEK_PORT:-8080}:8080"\n      - "6060:6060"\n',0),
('deploy/compose/compose.yaml','      JAMSOSTEK_STOP_GRACE: 20s\n','      JAMSOSTEK_STOP_GRACE: 20s\n      JAMSOSTEK_PPROF: "true"\n',0),
('config.go','envBool("JAMSOSTEK_PPROF", "false"','envBool("JAMSOSTEK_PPROF", "true"',0),
# the rules and their runbooks
('deploy/prometheus/alerts.yml','count by (namespace) (jamsostek_lease_held{job="jamsostek-worker"})','count by (namespace) (jamsostek_lease_held{job="worker"})',0,('observe','TestAlertRules')),
('docs/observability.md','### JamsostekWorkerAbsent','### JamsostekWorkerGone',0,('observe','TestAlertRules')),
# the binary: the operators' listener, serve --worker=false, the README's tables
('ops.go','	if e.pprof {\n		mux.HandleFunc("/debug/pprof/", pprof.Index)','	if true {\n		mux.HandleFunc("/debug/pprof/", pprof.Index)',0,('root','TestOpsListener|TestWorkerOpsListener')),
('ops.go','			case errors.As(err, &degraded):','			case errors.As(err, &degraded) && false:',0,('root','TestOpsReadyz')),
('serve.go','		ops.ready = readiness(s, svc) // as the API\'s /readyz\n','',0,('root','TestOpsListener')),
('serve.go','ready: databaseReadiness(s),','ready: nil,',0,('root','TestWorkerOpsListener')),
('serve.go','	if cfg.NoWorker {\n		if cfg.FeedBaseURL','	if false {\n		if cfg.FeedBaseURL',0,('root','TestOpsServeWithoutWorker')),
('worker.go','	if workerOff {','	if false {',0,('root','TestOpsServeWithoutWorker')),
('worker.go','	return n.store.RequestCancel(ctx, runID)','	return nil, coverage.Errorf(coverage.EUNAVAILABLE, "%s", n.why)',0,('root','TestOpsServeWithoutWorker')),
('config.go','	if c.Pprof && c.OpsAddr == "" {','	if c.Pprof && c.OpsAddr == "-" {',0,('root','TestPprofConfig')),
('config.go','	c.NoWorker = cmd == "serve" && !workerOn','	c.NoWorker = !workerOn',0,('root','TestOpsServeWithoutWorker')),
('README.md','| `JAMSOSTEK_PPROF` | `--pprof` | `serve`, `worker`, `demo` |','| `JAMSOSTEK_PPROF` | `--pprof` | `serve`, `worker` |',0,('root','TestReadmeTablesMatchFlags')),
('README.md','`--trusted-proxies`, `--worker` |','`--trusted-proxies` |',0,('root','TestReadmeTablesMatchFlags')),
('README.md','| `JAMSOSTEK_WORKER` | `--worker` |','| `JAMSOSTEK_WORKER` | `--no-worker` |',0,('root','TestReadmeTablesMatchFlags')),
]
only=sys.argv[1] if len(sys.argv)>1 else None
ok=True
killed=total=0
for entry in M:
    f,old,new,occ=entry[:4]
    target=entry[4] if len(entry)>4 else ('deploy',None)
    if only and target[0]!=only: continue
    if old==new: continue
    p=R+f; orig=open(p).read()
    n=orig.count(old)
    if n==0: print('NOT FOUND', f, repr(old)); ok=False; continue
    if occ==-1: i=orig.rfind(old)
    else: i=orig.find(old)
    mut=orig[:i]+new+orig[i+len(old):]
    open(p,'w').write(mut)
    try:
        if target[0]=='deploy':
            r=subprocess.run([TEST],cwd=R+'deploy',capture_output=True,text=True,timeout=120)
        else:
            pkg={'observe':'./observe/','root':'.'}[target[0]]
            r=subprocess.run(['go','test','-count=1','-run',target[1],pkg],cwd=R,capture_output=True,text=True,errors='replace',timeout=600)
    finally:
        open(p,'w').write(orig)
    msg=[l.strip() for l in (r.stdout+r.stderr).splitlines() if l.strip().startswith(('compose','k8s','Dockerfile','.docker','docs','secret','deploy','prometheus')) or '_test.go:' in l or l.startswith('./')]
    status='caught' if r.returncode!=0 else 'MISSED'
    total+=1
    if r.returncode==0: ok=False
    else: killed+=1
    print(status, f, repr(old)[:50], '->', repr(new)[:40], '|', (msg[0][:150] if msg else ''), flush=True)
print('killed %d of %d' % (killed, total))
print('ALL CAUGHT' if ok else 'SOME MISSED')
sys.exit(0 if ok else 1)
