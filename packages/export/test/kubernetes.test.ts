import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { Secret } from "kubernetes-models/v1/Secret";
import { Service } from "kubernetes-models/v1/Service";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { exportConfig } from "../src/index.js";
import { HOSTILE_VALUES, SAMPLE } from "./_sample.js";

// kubernetes-models validates each object against the JSON schema generated from the
// Kubernetes OpenAPI spec: no cluster needed.
const MODELS = { Deployment, Secret, Service } as const;

function validateManifest(content: string): string[] {
  const kinds: string[] = [];
  for (const doc of parseAllDocuments(content)) {
    expect(doc.errors).toEqual([]);
    const object = doc.toJS() as { kind: keyof typeof MODELS };
    const Model = MODELS[object.kind];
    expect(Model, `unexpected kind ${object.kind}`).toBeDefined();
    new Model(object as never).validate();
    kinds.push(object.kind);
  }
  return kinds;
}

describe("kubernetes output against the OpenAPI schema", () => {
  it("validates the sample: a Secret, a Deployment per type, a Service for web", () => {
    const [manifest] = exportConfig("kubernetes", SAMPLE);
    expect(validateManifest(manifest?.content ?? "")).toEqual([
      "Secret",
      "Deployment",
      "Service",
      "Deployment",
      "Deployment",
    ]);
  });

  it("validates with hostile values, odd names and no .env", () => {
    const input = {
      ...SAMPLE,
      app: "2048_Game.App",
      processes: [
        { name: "Web_UI", command: "serve -p $PORT", instances: [{ index: 1, port: 8080 }] },
      ],
    };
    const [withEnv] = exportConfig("kubernetes", { ...input, env: HOSTILE_VALUES });
    expect(validateManifest(withEnv?.content ?? "")).toEqual(["Secret", "Deployment", "Service"]);
    expect(withEnv?.content).toContain('name: "app-2048-game-app-web-ui"');
    const [noEnv] = exportConfig("kubernetes", { ...input, env: {} });
    expect(noEnv?.mode).toBe(0o644);
    expect(validateManifest(noEnv?.content ?? "")).toEqual(["Deployment", "Service"]);
  });

  it("rejects a schema violation (the check is real)", () => {
    const [manifest] = exportConfig("kubernetes", SAMPLE);
    const broken = (manifest?.content ?? "").replace("replicas: 2", 'replicas: "two"');
    expect(() => validateManifest(broken)).toThrow(/replicas/);
  });
});
