// Which files are pipeline files, and the one language id they share.
import type * as vscode from 'vscode';

export const LANGUAGE_ID = 'plumb-pipeline';
export const PIPELINE_GLOB = '**/*.pipeline.{yaml,yml}';

export function isPipelinePath(file: string): boolean {
  return /\.pipeline\.ya?ml$/i.test(file);
}

export function isPipelineDocument(doc: Pick<vscode.TextDocument, 'languageId' | 'uri'>): boolean {
  return doc.uri.scheme === 'file' && (doc.languageId === LANGUAGE_ID || isPipelinePath(doc.uri.fsPath));
}
