/**
 * The chart's objects are checked with the same validator as the production charts in `deploy/`
 * (Kubernetes OpenAPI schemas from `kubernetes-models`; an unknown apiVersion/kind is an error).
 */
export { validateK8s } from '../../../deploy/test/helpers/k8s-schemas';
