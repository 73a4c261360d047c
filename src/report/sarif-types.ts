/**
 * The part of the SARIF 2.1.0 object model that Bulwark writes. Written here so the library's type declarations do
 * not depend on a types package its users may not have.
 */

export type SarifLevel = 'none' | 'note' | 'warning' | 'error';

export type SarifPropertyBag = Record<string, unknown> & { tags?: string[] };

export interface SarifMessage {
  text: string;
  markdown?: string;
}

export interface SarifArtifactLocation {
  uri?: string;
  uriBaseId?: string;
  index?: number;
}

export interface SarifRegion {
  byteOffset?: number;
  byteLength?: number;
}

export interface SarifPhysicalLocation {
  artifactLocation?: SarifArtifactLocation;
  region?: SarifRegion;
}

export interface SarifLogicalLocation {
  name?: string;
  fullyQualifiedName?: string;
  kind?: string;
}

export interface SarifLocation {
  physicalLocation?: SarifPhysicalLocation;
  logicalLocations?: SarifLogicalLocation[];
  message?: SarifMessage;
}

export interface SarifReportingDescriptor {
  id: string;
  name?: string;
  shortDescription?: SarifMessage;
  fullDescription?: SarifMessage;
  help?: SarifMessage;
  helpUri?: string;
  defaultConfiguration?: { enabled?: boolean; level?: SarifLevel };
  properties?: SarifPropertyBag;
}

export interface SarifResult {
  ruleId: string;
  ruleIndex?: number;
  level: SarifLevel;
  message: SarifMessage;
  locations: SarifLocation[];
  partialFingerprints?: Record<string, string>;
  properties?: SarifPropertyBag;
}

export interface SarifArtifact {
  location: SarifArtifactLocation;
  parentIndex?: number;
  length?: number;
  roles?: string[];
  properties?: SarifPropertyBag;
}

export interface SarifNotification {
  level: SarifLevel;
  message: SarifMessage;
  locations?: SarifLocation[];
  associatedRule?: { id: string; index?: number };
  properties?: SarifPropertyBag;
}

export interface SarifInvocation {
  executionSuccessful: boolean;
  startTimeUtc?: string;
  endTimeUtc?: string;
  exitCode?: number;
  toolExecutionNotifications?: SarifNotification[];
}

export interface SarifRun {
  tool: {
    driver: {
      name: string;
      version?: string;
      semanticVersion?: string;
      informationUri?: string;
      rules?: SarifReportingDescriptor[];
    };
  };
  invocations?: SarifInvocation[];
  artifacts?: SarifArtifact[];
  results: SarifResult[];
  columnKind?: 'utf16CodeUnits' | 'unicodeCodePoints';
  properties?: SarifPropertyBag;
}

export interface SarifLog {
  $schema: string;
  version: '2.1.0';
  runs: SarifRun[];
}
