import type { IIssue } from '../issues';
import type { EngineName, IDeploymentSpec, IResolvedSpec } from '../spec';

/** A port that the engine itself listens on, besides the API port. */
export interface IReservedPort {
  port: number;
  /** Who uses it, for the port-clash message. */
  purpose: string;
}

/** What a container's command line tells about a deployment made by anyone. */
export interface ICommandFacts {
  model?: string;
  tensorParallel?: number;
  pipelineParallel?: number;
  port?: number;
}

/**
 * One serving engine: how its pods start on an LWS and which rules are its own. Adding an
 * engine means writing one of these and listing it in `engines/index.ts`.
 */
export interface IEngine {
  readonly name: EngineName;
  readonly label: string;
  readonly defaultImage: string;
  readonly defaultPort: number;
  readonly leaderContainerName: string;
  readonly workerContainerName: string;
  /** Flags the manifests set from spec fields; extra args repeating them conflict. */
  readonly generatedFlags: readonly string[];
  /** Engine-specific defaults (dist port, start mode) on top of the common ones. */
  resolveEngineFields(
    spec: IDeploymentSpec,
    resolved: IResolvedSpec
  ): Partial<IResolvedSpec>;
  /** The leader container's command (the guide puts everything in `command`). */
  leaderCommand(spec: IResolvedSpec): string[];
  /** The worker containers' command. */
  workerCommand(spec: IResolvedSpec): string[];
  /** Ports the engine listens on besides the API port, which must not clash with it. */
  reservedPorts(spec: IResolvedSpec): IReservedPort[];
  /** The engine's own rules. */
  checkSpec(spec: IDeploymentSpec, resolved: IResolvedSpec): IIssue[];
  /** True when a container's image or command line shows this engine. */
  recognizes(image: string, words: readonly string[]): boolean;
  /** Model, parallelism and port read back from a container's command line. */
  readCommand(words: readonly string[]): ICommandFacts;
}
