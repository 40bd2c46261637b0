// `npm run k8s:validate [-- <kustomization dir> …]`: builds each directory with `kubectl kustomize` and checks every
// object against the Kubernetes and KEDA schemas (kubernetes-models, @kubernetes-models/keda), printing one JSON line
// per directory: {"dir", "objects": ["Kind/name", …], "errors": [...]}. Exits 1 when any object is invalid.
// Plain ESM: both model packages are ES modules only.
import { execFileSync } from 'node:child_process';
import { parseAllDocuments } from 'yaml';

/** The model class of an object: the Kubernetes group/version module, or KEDA's. */
async function modelOf({ apiVersion, kind }) {
  const module =
    apiVersion === 'keda.sh/v1alpha1'
      ? await import('@kubernetes-models/keda/keda.sh/v1alpha1')
      : await import(`kubernetes-models/${apiVersion}`);
  const model = module[kind];
  if (!model) throw new Error(`no model for ${apiVersion} ${kind}`);
  return model;
}

let failed = false;
const dirs = process.argv.slice(2);
for (const dir of dirs.length > 0 ? dirs : ['deploy/k8s/base', 'deploy/k8s/overlays/small-shop']) {
  const built = execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8' });
  const objects = [];
  const errors = [];
  for (const document of parseAllDocuments(built)) {
    const object = document.toJSON();
    if (!object) continue;
    objects.push(`${object.kind}/${object.metadata?.name}`);
    try {
      const Model = await modelOf(object);
      new Model(object).validate();
    } catch (error) {
      errors.push(`${object.kind}/${object.metadata?.name}: ${error.message}`);
    }
  }
  failed ||= errors.length > 0;
  console.log(JSON.stringify({ dir, objects, errors }));
}
process.exitCode = failed ? 1 : 0;
