/**
 * Shared fixtures for the host runner tests (also used by @vodsr/ssm-runner): tiny real videos, an in-process
 * S3 server (s3rver) on a random port, and a child-process runner for `vodsr-host` that collects its JSON lines.
 */
import { type ChildProcess } from 'node:child_process';
import { S3Client } from '@aws-sdk/client-s3';
import { type HostEvent, type HostJob } from '@vodsr/core';
/** The aws CLI the tests give the runner (v2, as on the host, when installed). */
export declare const AWS_BIN: string;
/** A fresh temp directory (removed by the returned function). */
export declare function tempDir(prefix?: string): {
    dir: string;
    remove: () => void;
};
/** Makes a short real H.264 (+AAC) MP4 with FFmpeg's test sources. */
export declare function makeVideo(path: string, opts?: {
    width?: number;
    height?: number;
    seconds?: number;
    audio?: boolean;
    rotate?: number;
}): Promise<string>;
/** Width, height (as stored), rotation and duration of a video file, from ffprobe. */
export declare function probeVideo(path: string): Promise<{
    width: number;
    height: number;
    durationSeconds: number;
    hasAudio: boolean;
}>;
/** A running local S3 server. */
export interface LocalS3 {
    readonly endpoint: string;
    readonly client: S3Client;
    /** Environment for the aws CLI of the runner (test only: s3rver checks the access key id, not the secret). */
    readonly env: Record<string, string>;
    stop(): Promise<void>;
}
/** Starts s3rver on 127.0.0.1 with a random port and creates the given buckets. */
export declare function startS3(buckets: readonly string[]): Promise<LocalS3>;
/** Uploads bytes to the local S3. */
export declare function putObject(s3: LocalS3, bucket: string, key: string, body: Uint8Array): Promise<void>;
/** Downloads an object from the local S3. */
export declare function getObject(s3: LocalS3, bucket: string, key: string): Promise<Uint8Array>;
/** Every key in a bucket. */
export declare function listKeys(s3: LocalS3, bucket: string): Promise<string[]>;
/** A host job for the open lanczos model (NVENC by default, with the CPU fallback core adds). */
export declare function lanczosJob(source: string, output: string, opts?: {
    cpuOnly?: boolean;
    jobId?: string;
}): HostJob;
/** What a finished `vodsr-host` run printed. */
export interface HostRun {
    readonly code: number | null;
    readonly signal: NodeJS.Signals | null;
    readonly stdout: string;
    readonly stderr: string;
    readonly events: HostEvent[];
    /** The final result event (the last line), if any. */
    readonly result: Extract<HostEvent, {
        event: 'result';
    }> | undefined;
}
/** Starts `vodsr-host` (or another script) with args and env added to a clean PATH-only environment. */
export declare function startHost(args: readonly string[], opts?: {
    env?: Record<string, string | undefined>;
    cwd?: string;
    script?: string;
    onEvent?: (e: HostEvent) => void;
}): {
    child: ChildProcess;
    done: Promise<HostRun>;
};
/** Runs `vodsr-host` to its end. */
export declare function runHost(args: readonly string[], opts?: {
    env?: Record<string, string | undefined>;
    cwd?: string;
    script?: string;
}): Promise<HostRun>;
//# sourceMappingURL=helpers.d.ts.map