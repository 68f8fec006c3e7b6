// Generated from openapi/gcc.yaml by packages/sdk-gcc/scripts/generate.ts. Do not edit; run `npm run generate`.
/** The component schemas of openapi/gcc.yaml as JSON Schema `$defs` (refs rewritten, docs dropped). */
export const definitions = {
  "ReleaseId": {
    "type": "string",
    "pattern": "^rel-[A-Za-z0-9_-]{1,64}$"
  },
  "DeploymentId": {
    "type": "string",
    "pattern": "^dpl-[A-Za-z0-9_-]{1,64}$"
  },
  "TaskId": {
    "type": "string",
    "pattern": "^tsk-[A-Za-z0-9_-]{1,64}$"
  },
  "TokenId": {
    "type": "string",
    "pattern": "^tok-[A-Za-z0-9_-]{1,64}$"
  },
  "ClientId": {
    "type": "string",
    "minLength": 1,
    "maxLength": 63,
    "pattern": "^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$"
  },
  "Actor": {
    "type": "string",
    "minLength": 1,
    "maxLength": 256
  },
  "Component": {
    "type": "string",
    "pattern": "^[a-z][a-z0-9-]{0,31}$"
  },
  "ImageTag": {
    "type": "string",
    "pattern": "^(?:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}|sha256:[a-f0-9]{64})$"
  },
  "ImageReference": {
    "type": "string",
    "maxLength": 512,
    "pattern": "^(?:(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*(?::[0-9]{1,5})?)/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$"
  },
  "ImageDigest": {
    "type": "string",
    "pattern": "^sha256:[a-f0-9]{64}$"
  },
  "LabelSelector": {
    "type": "string",
    "minLength": 1,
    "maxLength": 1024
  },
  "Labels": {
    "type": "object",
    "maxProperties": 64,
    "propertyNames": {
      "maxLength": 317,
      "pattern": "^(?:[a-z0-9](?:[-a-z0-9]*[a-z0-9])?(?:\\.[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$"
    },
    "additionalProperties": {
      "$ref": "#/$defs/LabelValue"
    }
  },
  "LabelValue": {
    "type": "string",
    "maxLength": 63,
    "pattern": "^(?:[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$"
  },
  "TargetKind": {
    "type": "string",
    "enum": [
      "argocd",
      "kubernetes",
      "docker"
    ]
  },
  "Weekday": {
    "type": "string",
    "enum": [
      "mon",
      "tue",
      "wed",
      "thu",
      "fri",
      "sat",
      "sun"
    ]
  },
  "ClockTime": {
    "type": "string",
    "pattern": "^(?:[01][0-9]|2[0-3]):[0-5][0-9]$"
  },
  "MaintenanceWindow": {
    "type": "object",
    "additionalProperties": false,
    "required": [
      "days",
      "start",
      "end"
    ],
    "properties": {
      "days": {
        "type": "array",
        "minItems": 1,
        "maxItems": 7,
        "uniqueItems": true,
        "items": {
          "$ref": "#/$defs/Weekday"
        }
      },
      "start": {
        "$ref": "#/$defs/ClockTime"
      },
      "end": {
        "$ref": "#/$defs/ClockTime"
      }
    }
  },
  "Timezone": {
    "type": "string",
    "minLength": 1,
    "maxLength": 64,
    "pattern": "^[A-Za-z][A-Za-z0-9_+-]*(?:/[A-Za-z0-9_+-]+)*$"
  },
  "AutoApprovePreference": {
    "type": "object",
    "additionalProperties": false,
    "required": [
      "all",
      "components"
    ],
    "properties": {
      "all": {
        "type": "boolean"
      },
      "components": {
        "type": "array",
        "uniqueItems": true,
        "maxItems": 32,
        "items": {
          "$ref": "#/$defs/Component"
        }
      }
    }
  },
  "Metadata": {
    "type": "object",
    "additionalProperties": true,
    "maxProperties": 64
  },
  "ReleaseCreate": {
    "type": "object",
    "additionalProperties": false,
    "required": [
      "component",
      "version",
      "image_url"
    ],
    "properties": {
      "component": {
        "$ref": "#/$defs/Component"
      },
      "version": {
        "$ref": "#/$defs/ImageTag"
      },
      "image_url": {
        "$ref": "#/$defs/ImageReference"
      },
      "image_digest": {
        "$ref": "#/$defs/ImageDigest"
      },
      "metadata": {
        "$ref": "#/$defs/Metadata"
      }
    }
  },
  "Release": {
    "type": "object",
    "additionalProperties": false,
    "required": [
      "id",
      "component",
      "version",
      "image_url",
      "metadata",
      "created_at",
      "created_by"
    ],
    "properties": {
      "id": {
        "$ref": "#/$defs/ReleaseId"
      },
      "component": {
        "$ref": "#/$defs/Component"
      },
      "version": {
        "$ref": "#/$defs/ImageTag"
      },
      "image_url": {
        "$ref": "#/$defs/ImageReference"
      },
      "image_digest": {
        "anyOf": [
          {
            "$ref": "#/$defs/ImageDigest"
          },
          {
            "type": "null"
          }
        ]
      },
      "metadata": {
        "$ref": "#/$defs/Metadata"
      },
      "created_at": {
        "type": "string",
        "format": "date-time"
      },
      "created_by": {
        "$ref": "#/$defs/Actor"
      }
    }
  },
  "ReleaseList": {
    "type": "object",
    "additionalProperties": false,
    "required": [
      "items",
      "next_cursor"
    ],
    "properties": {
      "items": {
        "type": "array",
        "items": {
          "$ref": "#/$defs/Release"
        }
      },
      "next_cursor": {
        "$ref": "#/$defs/NextCursor"
      }
    }
  },
  "NextCursor": {
    "type": [
      "string",
      "null"
    ]
  },
  "ArgocdInstance": {
    "type": "string",
    "minLength": 1,
    "maxLength": 253,
    "pattern": "^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$"
  },
  "ClientCreate": {
    "type": "object",
    "additionalProperties": false,
    "required": [
      "id",
      "name",
      "target_kind"
    ],
    "properties": {
      "id": {
        "$ref": "#/$defs/ClientId"
      },
      "name": {
        "type": "string",
        "minLength": 1,
        "maxLength": 200
      },
      "labels": {
        "$ref": "#/$defs/Labels"
      },
      "target_kind": {
        "$ref": "#/$defs/TargetKind"
      },
      "argocd_instance": {
        "$ref": "#/$defs/ArgocdInstance"
      },
      "timezone": {
        "$ref": "#/$defs/Timezone"
      },
      "maintenance_windows": {
        "type": "array",
        "maxItems": 28,
        "items": {
          "$ref": "#/$defs/MaintenanceWindow"
        }
      },
      "auto_approve": {
        "$ref": "#/$defs/AutoApprovePreference"
      }
    },
    "if": {
      "properties": {
        "target_kind": {
          "const": "argocd"
        }
      },
      "required": [
        "target_kind"
      ]
    },
    "then": {
      "required": [
        "argocd_instance"
      ]
    }
  },
  "ClientPatch": {
    "type": "object",
    "additionalProperties": false,
    "properties": {
      "name": {
        "type": "string",
        "minLength": 1,
        "maxLength": 200
      },
      "labels": {
        "type": [
          "object",
          "null"
        ],
        "maxProperties": 64,
        "propertyNames": {
          "maxLength": 317,
          "pattern": "^(?:[a-z0-9](?:[-a-z0-9]*[a-z0-9])?(?:\\.[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$"
        },
        "additionalProperties": {
          "anyOf": [
            {
              "$ref": "#/$defs/LabelValue"
            },
            {
              "type": "null"
            }
          ]
        }
      },
      "target_kind": {
        "$ref": "#/$defs/TargetKind"
      },
      "argocd_instance": {
        "anyOf": [
          {
            "$ref": "#/$defs/ArgocdInstance"
          },
          {
            "type": "null"
          }
        ]
      },
      "timezone": {
        "anyOf": [
          {
            "$ref": "#/$defs/Timezone"
          },
          {
            "type": "null"
          }
        ]
      },
      "maintenance_windows": {
        "type": [
          "array",
          "null"
        ],
        "maxItems": 28,
        "items": {
          "$ref": "#/$defs/MaintenanceWindow"
        }
      },
      "auto_approve": {
        "type": [
          "object",
          "null"
        ],
        "additionalProperties": false,
        "properties": {
          "all": {
            "type": "boolean"
          },
          "components": {
            "type": "array",
            "uniqueItems": true,
            "maxItems": 32,
            "items": {
              "$ref": "#/$defs/Component"
            }
          }
        }
      }
    }
  },
  "CurrentVersions": {
    "type": "object",
    "propertyNames": {
      "pattern": "^[a-z][a-z0-9-]{0,31}$"
    },
    "additionalProperties": {
      "$ref": "#/$defs/ImageTag"
    }
  },
  "Client": {
    "type": "object",
    "additionalProperties": false,
    "required": [
      "id",
      "name",
      "labels",
      "target_kind",
      "argocd_instance",
      "timezone",
      "maintenance_windows",
      "auto_approve",
      "created_at",
      "updated_at",
      "last_seen_at",
      "agent_version",
      "current_versions"
    ],
    "properties": {
      "id": {
        "$ref": "#/$defs/ClientId"
      },
      "name": {
        "type": "string"
      },
      "labels": {
        "$ref": "#/$defs/Labels"
      },
      "target_kind": {
        "$ref": "#/$defs/TargetKind"
      },
      "argocd_instance": {
        "anyOf": [
          {
            "$ref": "#/$defs/ArgocdInstance"
          },
          {
            "type": "null"
          }
        ]
      },
      "timezone": {
        "$ref": "#/$defs/Timezone"
      },
      "maintenance_windows": {
        "type": "array",
        "items": {
          "$ref": "#/$defs/MaintenanceWindow"
        }
      },
      "auto_approve": {
        "$ref": "#/$defs/AutoApprovePreference"
      },
      "created_at": {
        "type": "string",
        "format": "date-time"
      },
      "updated_at": {
        "type": "string",
        "format": "date-time"
      },
      "last_seen_at": {
        "type": [
          "string",
          "null"
        ],
        "format": "date-time"
      },
      "agent_version": {
        "type": [
          "string",
          "null"
        ]
      },
      "current_versions": {
        "$ref": "#/$defs/CurrentVersions"
      }
    }
  },
  "ClientList": {
    "type": "object",
    "additionalProperties": false,
    "required": [
      "items",
      "next_cursor"
    ],
    "properties": {
      "items": {
        "type": "array",
        "items": {
          "$ref": "#/$defs/Client"
        }
      },
      "next_cursor": {
        "$ref": "#/$defs/NextCursor"
      }
    }
  },
  "TokenRole": {
    "type": "string",
    "enum": [
      "agent",
      "approver"
    ]
  },
  "TokenCreate": {
    "type": "object",
    "additionalProperties": false,
    "required": [
      "role"
    ],
    "properties": {
      "role": {
        "$ref": "#/$defs/TokenRole"
      },
      "description": {
        "type": "string",
        "maxLength": 200
      },
      "expires_at": {
        "type": "string",
        "format": "date-time"
      },
      "ttl_seconds": {
        "type": "integer",
        "minimum": 1,
        "maximum": 315360000
      }
    }
  },
  "TokenIssued": {
    "type": "object",
    "additionalProperties": false,
    "required": [
      "id",
      "role",
      "client_id",
      "token",
      "created_at",
      "expires_at"
    ],
    "properties": {
      "id": {
        "$ref": "#/$defs/TokenId"
      },
      "role": {
        "$ref": "#/$defs/TokenRole"
      },
      "client_id": {
        "$ref": "#/$defs/ClientId"
      },
      "token": {
        "type": "string",
        "minLength": 16
      },
      "created_at": {
        "type": "string",
        "format": "date-time"
      },
      "expires_at": {
        "type": [
          "string",
          "null"
        ],
        "format": "date-time"
      }
    }
  },
  "Whoami": {
    "type": "object",
    "additionalProperties": false,
    "required": [
      "token_id",
      "role",
      "client_id",
      "name",
      "expires_at"
    ],
    "properties": {
      "token_id": {
        "anyOf": [
          {
            "$ref": "#/$defs/TokenId"
          },
          {
            "type": "null"
          }
        ]
      },
      "role": {
        "type": "string",
        "enum": [
          "admin",
          "ci",
          "approver",
          "agent"
        ]
      },
      "client_id": {
        "anyOf": [
          {
            "$ref": "#/$defs/ClientId"
          },
          {
            "type": "null"
          }
        ]
      },
      "name": {
        "type": [
          "string",
          "null"
        ]
      },
      "expires_at": {
        "type": [
          "string",
          "null"
        ],
        "format": "date-time"
      }
    }
  },
  "StageSpec": {
    "type": "object",
    "additionalProperties": false,
    "required": [
      "kind"
    ],
    "properties": {
      "kind": {
        "type": "string",
        "enum": [
          "canary",
          "batch"
        ]
      },
      "count": {
        "type": "integer",
        "minimum": 1,
        "maximum": 1000000
      },
      "percent": {
        "type": "number",
        "exclusiveMinimum": 0,
        "maximum": 100
      },
      "wait_seconds": {
        "type": "integer",
        "minimum": 0,
        "maximum": 604800
      }
    },
    "not": {
      "required": [
        "count",
        "percent"
      ]
    }
  },
  "FailureThreshold": {
    "type": "object",
    "additionalProperties": false,
    "properties": {
      "max_failures": {
        "type": "integer",
        "minimum": 0,
        "maximum": 1000000
      },
      "max_failure_ratio": {
        "type": "number",
        "minimum": 0,
        "maximum": 1
      },
      "min_finished": {
        "type": "integer",
        "minimum": 0,
        "maximum": 1000000
      }
    }
  },
  "RollbackPolicy": {
    "type": "object",
    "additionalProperties": false,
    "properties": {
      "scope": {
        "type": "string",
        "enum": [
          "failed_stage",
          "deployment"
        ]
      },
      "batch_size": {
        "type": [
          "integer",
          "null"
        ],
        "minimum": 1,
        "maximum": 1000000
      },
      "wait_seconds": {
        "type": "integer",
        "minimum": 0,
        "maximum": 604800
      },
      "require_approval": {
        "type": "boolean"
      }
    }
  },
  "Strategy": {
    "type": "object",
    "additionalProperties": false,
    "properties": {
      "stages": {
        "type": "array",
        "minItems": 1,
        "maxItems": 20,
        "items": {
          "$ref": "#/$defs/StageSpec"
        }
      },
      "max_batch_size": {
        "type": [
          "integer",
          "null"
        ],
        "minimum": 1,
        "maximum": 1000000
      },
      "canary_label": {
        "$ref": "#/$defs/LabelSelector"
      },
      "max_concurrency_per_instance": {
        "type": "integer",
        "minimum": 1,
        "maximum": 10000
      },
      "failure_threshold": {
        "$ref": "#/$defs/FailureThreshold"
      },
      "canary_failure_threshold": {
        "$ref": "#/$defs/FailureThreshold"
      },
      "on_failure": {
        "type": "string",
        "enum": [
          "pause",
          "rollback"
        ]
      },
      "rollback": {
        "$ref": "#/$defs/RollbackPolicy"
      },
      "pickup_timeout_seconds": {
        "type": "integer",
        "minimum": 1,
        "maximum": 604800
      },
      "lease_seconds": {
        "type": "integer",
        "minimum": 1,
        "maximum": 86400
      },
      "canary_min_successes": {
        "type": "integer",
        "minimum": 1,
        "maximum": 1000000
      },
      "stage_fill_seconds": {
        "type": "integer",
        "minimum": 0,
        "maximum": 604800
      },
      "stage_hold_timeout_seconds": {
        "type": "integer",
        "minimum": 60,
        "maximum": 2592000
      },
      "join_running_stage": {
        "type": "boolean"
      },
      "max_attempts": {
        "type": "integer",
        "minimum": 1,
        "maximum": 10
      }
    }
  },
  "ApprovalPolicy": {
    "type": "object",
    "additionalProperties": false,
    "properties": {
      "required": {
        "type": "boolean"
      },
      "deadline": {
        "type": [
          "string",
          "null"
        ],
        "format": "date-time"
      },
      "on_deadline": {
        "type": "string",
        "enum": [
          "auto_approve",
          "expire"
        ]
      },
      "visible_from": {
        "type": [
          "string",
          "null"
        ],
        "format": "date-time"
      }
    }
  },
  "Targets": {
    "type": "object",
    "additionalProperties": false,
    "minProperties": 1,
    "properties": {
      "client_ids": {
        "type": "array",
        "minItems": 1,
        "maxItems": 10000,
        "uniqueItems": true,
        "items": {
          "$ref": "#/$defs/ClientId"
        }
      },
      "selector": {
        "$ref": "#/$defs/LabelSelector"
      }
    }
  },
  "SetComponent": {
    "type": "object",
    "additionalProperties": false,
    "required": [
      "component",
      "release_id",
      "version",
      "image_url",
      "image_digest"
    ],
    "properties": {
      "component": {
        "$ref": "#/$defs/Component"
      },
      "release_id": {
        "$ref": "#/$defs/ReleaseId"
      },
      "version": {
        "$ref": "#/$defs/ImageTag"
      },
      "image_url": {
        "$ref": "#/$defs/ImageReference"
      },
      "image_digest": {
        "anyOf": [
          {
            "$ref": "#/$defs/ImageDigest"
          },
          {
            "type": "null"
          }
        ]
      }
    }
  },
  "TaskComponent": {
    "type": "object",
    "additionalProperties": false,
    "required": [
      "component",
      "version",
      "image_url",
      "previous_version"
    ],
    "properties": {
      "component": {
        "$ref": "#/$defs/Component"
      },
      "version": {
        "$ref": "#/$defs/ImageTag"
      },
      "image_url": {
        "$ref": "#/$defs/ImageReference"
      },
      "previous_version": {
        "anyOf": [
          {
            "$ref": "#/$defs/ImageTag"
          },
          {
            "type": "null"
          }
        ]
      }
    }
  },
  "UpdateComponent": {
    "type": "object",
    "additionalProperties": false,
    "required": [
      "component",
      "version",
      "image_url",
      "image_digest",
      "previous_version",
      "helm_parameter"
    ],
    "properties": {
      "component": {
        "$ref": "#/$defs/Component"
      },
      "version": {
        "$ref": "#/$defs/ImageTag"
      },
      "image_url": {
        "$ref": "#/$defs/ImageReference"
      },
      "image_digest": {
        "anyOf": [
          {
            "$ref": "#/$defs/ImageDigest"
          },
          {
            "type": "null"
          }
        ]
      },
      "previous_version": {
        "anyOf": [
          {
            "$ref": "#/$defs/ImageTag"
          },
          {
            "type": "null"
          }
        ]
      },
      "helm_parameter": {
        "type": "string",
        "maxLength": 253,
        "pattern": "^[A-Za-z0-9_-]+(?:\\.[A-Za-z0-9_-]+)*$"
      }
    }
  },
  "DeploymentCreate": {
    "type": "object",
    "additionalProperties": false,
    "required": [
      "targets"
    ],
    "properties": {
      "release_id": {
        "$ref": "#/$defs/ReleaseId"
      },
      "release_ids": {
        "type": "array",
        "minItems": 1,
        "maxItems": 16,
        "uniqueItems": true,
        "items": {
          "$ref": "#/$defs/ReleaseId"
        }
      },
      "versions": {
        "type": "object",
        "minProperties": 1,
        "maxProperties": 16,
        "propertyNames": {
          "pattern": "^[a-z][a-z0-9-]{0,31}$"
        },
        "additionalProperties": {
          "$ref": "#/$defs/ImageTag"
        }
      },
      "targets": {
        "$ref": "#/$defs/Targets"
      },
      "strategy": {
        "$ref": "#/$defs/Strategy"
      },
      "approval": {
        "$ref": "#/$defs/ApprovalPolicy"
      },
      "requested_start_time": {
        "type": "string",
        "format": "date-time"
      },
      "description": {
        "type": "string",
        "maxLength": 1000
      }
    }
  },
  "TaskStatus": {
    "type": "string",
    "enum": [
      "pending",
      "pending_approval",
      "approved",
      "queued",
      "in_progress",
      "success",
      "failed",
      "timed_out",
      "overdue",
      "rolled_back",
      "rejected",
      "expired",
      "cancelled"
    ]
  },
  "DeploymentStatus": {
    "type": "string",
    "enum": [
      "created",
      "running",
      "paused",
      "completed",
      "failed",
      "aborted",
      "rolling_back",
      "rolled_back"
    ]
  },
  "ApprovalStatus": {
    "type": "string",
    "enum": [
      "not_required",
      "pending",
      "approved",
      "rejected",
      "expired"
    ]
  },
  "ApprovalSource": {
    "type": "string",
    "enum": [
      "client",
      "auto_policy",
      "deadline",
      "admin_force",
      "not_required"
    ]
  },
  "DeploymentType": {
    "type": "string",
    "enum": [
      "update",
      "rollback"
    ]
  },
  "TaskCounts": {
    "type": "object",
    "additionalProperties": false,
    "required": [
      "pending",
      "pending_approval",
      "approved",
      "queued",
      "in_progress",
      "success",
      "failed",
      "timed_out",
      "overdue",
      "rolled_back",
      "rejected",
      "expired",
      "cancelled"
    ],
    "properties": {
      "pending": {
        "type": "integer",
        "minimum": 0
      },
      "pending_approval": {
        "type": "integer",
        "minimum": 0
      },
      "approved": {
        "type": "integer",
        "minimum": 0
      },
      "queued": {
        "type": "integer",
        "minimum": 0
      },
      "in_progress": {
        "type": "integer",
        "minimum": 0
      },
      "success": {
        "type": "integer",
        "minimum": 0
      },
      "failed": {
        "type": "integer",
        "minimum": 0
      },
      "timed_out": {
        "type": "integer",
        "minimum": 0
      },
      "overdue": {
        "type": "integer",
        "minimum": 0
      },
      "rolled_back": {
        "type": "integer",
        "minimum": 0
      },
      "rejected": {
        "type": "integer",
        "minimum": 0
      },
      "expired": {
        "type": "integer",
        "minimum": 0
      },
      "cancelled": {
        "type": "integer",
        "minimum": 0
      }
    }
  },
  "Task": {
    "type": "object",
    "additionalProperties": false,
    "required": [
      "id",
      "deployment_id",
      "client_id",
      "type",
      "component",
      "version",
      "image_url",
      "previous_version",
      "components",
      "status",
      "approval_status",
      "approval_source",
      "approved_at",
      "approved_by",
      "rejected_reason",
      "requested_start_time",
      "stage",
      "attempt",
      "lease_expires_at",
      "last_message",
      "logs",
      "created_at",
      "updated_at"
    ],
    "properties": {
      "id": {
        "$ref": "#/$defs/TaskId"
      },
      "deployment_id": {
        "$ref": "#/$defs/DeploymentId"
      },
      "client_id": {
        "$ref": "#/$defs/ClientId"
      },
      "type": {
        "$ref": "#/$defs/DeploymentType"
      },
      "component": {
        "$ref": "#/$defs/Component"
      },
      "version": {
        "$ref": "#/$defs/ImageTag"
      },
      "image_url": {
        "$ref": "#/$defs/ImageReference"
      },
      "previous_version": {
        "anyOf": [
          {
            "$ref": "#/$defs/ImageTag"
          },
          {
            "type": "null"
          }
        ]
      },
      "components": {
        "type": "array",
        "minItems": 1,
        "maxItems": 16,
        "items": {
          "$ref": "#/$defs/TaskComponent"
        }
      },
      "status": {
        "$ref": "#/$defs/TaskStatus"
      },
      "approval_status": {
        "$ref": "#/$defs/ApprovalStatus"
      },
      "approval_source": {
        "anyOf": [
          {
            "$ref": "#/$defs/ApprovalSource"
          },
          {
            "type": "null"
          }
        ]
      },
      "approved_at": {
        "type": [
          "string",
          "null"
        ],
        "format": "date-time"
      },
      "approved_by": {
        "type": [
          "string",
          "null"
        ],
        "maxLength": 200
      },
      "rejected_reason": {
        "type": [
          "string",
          "null"
        ],
        "maxLength": 1000
      },
      "requested_start_time": {
        "type": [
          "string",
          "null"
        ],
        "format": "date-time"
      },
      "stage": {
        "type": [
          "integer",
          "null"
        ],
        "minimum": 0
      },
      "attempt": {
        "type": "integer",
        "minimum": 0
      },
      "lease_expires_at": {
        "type": [
          "string",
          "null"
        ],
        "format": "date-time"
      },
      "last_message": {
        "type": [
          "string",
          "null"
        ],
        "maxLength": 4000
      },
      "logs": {
        "type": "array",
        "maxItems": 200,
        "items": {
          "type": "string",
          "maxLength": 2000
        }
      },
      "created_at": {
        "type": "string",
        "format": "date-time"
      },
      "updated_at": {
        "type": "string",
        "format": "date-time"
      }
    }
  },
  "TaskList": {
    "type": "object",
    "additionalProperties": false,
    "required": [
      "items",
      "next_cursor"
    ],
    "properties": {
      "items": {
        "type": "array",
        "items": {
          "$ref": "#/$defs/Task"
        }
      },
      "next_cursor": {
        "$ref": "#/$defs/NextCursor"
      }
    }
  },
  "StageSummary": {
    "type": "object",
    "additionalProperties": false,
    "required": [
      "index",
      "kind",
      "capacity",
      "status",
      "required_successes",
      "reason",
      "started_at",
      "finished_at",
      "wait_until",
      "task_counts"
    ],
    "properties": {
      "index": {
        "type": "integer",
        "minimum": 0
      },
      "kind": {
        "type": "string",
        "enum": [
          "canary",
          "batch"
        ]
      },
      "capacity": {
        "type": "integer",
        "minimum": 0
      },
      "status": {
        "type": "string",
        "enum": [
          "pending",
          "running",
          "holding",
          "waiting",
          "succeeded",
          "failed"
        ]
      },
      "required_successes": {
        "type": "integer",
        "minimum": 0
      },
      "reason": {
        "type": [
          "string",
          "null"
        ]
      },
      "started_at": {
        "type": [
          "string",
          "null"
        ],
        "format": "date-time"
      },
      "finished_at": {
        "type": [
          "string",
          "null"
        ],
        "format": "date-time"
      },
      "wait_until": {
        "type": [
          "string",
          "null"
        ],
        "format": "date-time"
      },
      "task_counts": {
        "$ref": "#/$defs/TaskCounts"
      }
    }
  },
  "Deployment": {
    "type": "object",
    "additionalProperties": false,
    "required": [
      "id",
      "type",
      "release_id",
      "component",
      "version",
      "components",
      "rollback_of",
      "rollback_scope",
      "rolled_back_by",
      "status",
      "status_reason",
      "requested_start_time",
      "strategy",
      "approval",
      "description",
      "created_by",
      "created_at",
      "updated_at",
      "started_at",
      "finished_at",
      "task_counts",
      "stages"
    ],
    "properties": {
      "id": {
        "$ref": "#/$defs/DeploymentId"
      },
      "type": {
        "$ref": "#/$defs/DeploymentType"
      },
      "release_id": {
        "$ref": "#/$defs/ReleaseId"
      },
      "component": {
        "$ref": "#/$defs/Component"
      },
      "version": {
        "$ref": "#/$defs/ImageTag"
      },
      "components": {
        "type": "array",
        "minItems": 1,
        "maxItems": 16,
        "items": {
          "$ref": "#/$defs/SetComponent"
        }
      },
      "rollback_of": {
        "anyOf": [
          {
            "$ref": "#/$defs/DeploymentId"
          },
          {
            "type": "null"
          }
        ]
      },
      "rollback_scope": {
        "type": [
          "string",
          "null"
        ],
        "enum": [
          "failed_stage",
          "deployment",
          "clients",
          null
        ]
      },
      "rolled_back_by": {
        "anyOf": [
          {
            "$ref": "#/$defs/DeploymentId"
          },
          {
            "type": "null"
          }
        ]
      },
      "status": {
        "$ref": "#/$defs/DeploymentStatus"
      },
      "status_reason": {
        "type": [
          "string",
          "null"
        ]
      },
      "requested_start_time": {
        "type": [
          "string",
          "null"
        ],
        "format": "date-time"
      },
      "strategy": {
        "$ref": "#/$defs/Strategy"
      },
      "approval": {
        "$ref": "#/$defs/DeploymentApproval"
      },
      "description": {
        "type": [
          "string",
          "null"
        ]
      },
      "created_by": {
        "$ref": "#/$defs/Actor"
      },
      "created_at": {
        "type": "string",
        "format": "date-time"
      },
      "updated_at": {
        "type": "string",
        "format": "date-time"
      },
      "started_at": {
        "type": [
          "string",
          "null"
        ],
        "format": "date-time"
      },
      "finished_at": {
        "type": [
          "string",
          "null"
        ],
        "format": "date-time"
      },
      "task_counts": {
        "$ref": "#/$defs/TaskCounts"
      },
      "stages": {
        "type": "array",
        "items": {
          "$ref": "#/$defs/StageSummary"
        }
      }
    }
  },
  "DeploymentList": {
    "type": "object",
    "additionalProperties": false,
    "required": [
      "items",
      "next_cursor"
    ],
    "properties": {
      "items": {
        "type": "array",
        "items": {
          "$ref": "#/$defs/Deployment"
        }
      },
      "next_cursor": {
        "$ref": "#/$defs/NextCursor"
      }
    }
  },
  "RollbackRequest": {
    "type": "object",
    "additionalProperties": false,
    "properties": {
      "scope": {
        "type": "string",
        "enum": [
          "failed_stage",
          "deployment",
          "clients"
        ]
      },
      "client_ids": {
        "type": "array",
        "minItems": 1,
        "maxItems": 10000,
        "uniqueItems": true,
        "items": {
          "$ref": "#/$defs/ClientId"
        }
      },
      "reason": {
        "type": "string",
        "maxLength": 1000
      }
    },
    "if": {
      "properties": {
        "scope": {
          "const": "clients"
        }
      },
      "required": [
        "scope"
      ]
    },
    "then": {
      "required": [
        "client_ids"
      ]
    }
  },
  "ForceApproveRequest": {
    "type": "object",
    "additionalProperties": false,
    "required": [
      "approved_by",
      "reason"
    ],
    "properties": {
      "approved_by": {
        "type": "string",
        "minLength": 1,
        "maxLength": 200
      },
      "reason": {
        "type": "string",
        "minLength": 1,
        "maxLength": 1000
      }
    }
  },
  "PendingApproval": {
    "type": "object",
    "additionalProperties": false,
    "required": [
      "task_id",
      "deployment_id",
      "component",
      "version",
      "image_url",
      "components",
      "release_metadata",
      "status",
      "deadline",
      "on_deadline",
      "requested_at"
    ],
    "properties": {
      "task_id": {
        "$ref": "#/$defs/TaskId"
      },
      "deployment_id": {
        "$ref": "#/$defs/DeploymentId"
      },
      "component": {
        "$ref": "#/$defs/Component"
      },
      "version": {
        "$ref": "#/$defs/ImageTag"
      },
      "image_url": {
        "$ref": "#/$defs/ImageReference"
      },
      "components": {
        "type": "array",
        "minItems": 1,
        "maxItems": 16,
        "items": {
          "$ref": "#/$defs/TaskComponent"
        }
      },
      "release_metadata": {
        "$ref": "#/$defs/Metadata"
      },
      "status": {
        "type": "string",
        "enum": [
          "pending_approval"
        ]
      },
      "deadline": {
        "type": [
          "string",
          "null"
        ],
        "format": "date-time"
      },
      "on_deadline": {
        "type": "string",
        "enum": [
          "auto_approve",
          "expire"
        ]
      },
      "requested_at": {
        "type": "string",
        "format": "date-time"
      }
    }
  },
  "PendingApprovalList": {
    "type": "object",
    "additionalProperties": false,
    "required": [
      "items",
      "next_cursor"
    ],
    "properties": {
      "items": {
        "type": "array",
        "items": {
          "$ref": "#/$defs/PendingApproval"
        }
      },
      "next_cursor": {
        "$ref": "#/$defs/NextCursor"
      }
    }
  },
  "ApproveRequest": {
    "type": "object",
    "additionalProperties": false,
    "required": [
      "approved_by"
    ],
    "properties": {
      "approved_by": {
        "type": "string",
        "minLength": 1,
        "maxLength": 200
      },
      "requested_start_time": {
        "type": "string",
        "format": "date-time"
      }
    }
  },
  "RejectRequest": {
    "type": "object",
    "additionalProperties": false,
    "required": [
      "rejected_by",
      "reason"
    ],
    "properties": {
      "rejected_by": {
        "type": "string",
        "minLength": 1,
        "maxLength": 200
      },
      "reason": {
        "type": "string",
        "minLength": 1,
        "maxLength": 1000
      }
    }
  },
  "Update": {
    "type": "object",
    "additionalProperties": false,
    "required": [
      "task_id",
      "deployment_id",
      "type",
      "component",
      "version",
      "image_url",
      "previous_version",
      "components",
      "attempt",
      "helm_parameter",
      "lease_expires_at",
      "verify_timeout_seconds"
    ],
    "properties": {
      "task_id": {
        "$ref": "#/$defs/TaskId"
      },
      "deployment_id": {
        "$ref": "#/$defs/DeploymentId"
      },
      "type": {
        "$ref": "#/$defs/DeploymentType"
      },
      "component": {
        "$ref": "#/$defs/Component"
      },
      "version": {
        "$ref": "#/$defs/ImageTag"
      },
      "image_url": {
        "$ref": "#/$defs/ImageReference"
      },
      "image_digest": {
        "anyOf": [
          {
            "$ref": "#/$defs/ImageDigest"
          },
          {
            "type": "null"
          }
        ]
      },
      "previous_version": {
        "anyOf": [
          {
            "$ref": "#/$defs/ImageTag"
          },
          {
            "type": "null"
          }
        ]
      },
      "components": {
        "type": "array",
        "minItems": 1,
        "maxItems": 16,
        "items": {
          "$ref": "#/$defs/UpdateComponent"
        }
      },
      "attempt": {
        "type": "integer",
        "minimum": 1
      },
      "helm_parameter": {
        "type": "string",
        "maxLength": 253,
        "pattern": "^[A-Za-z0-9_-]+(?:\\.[A-Za-z0-9_-]+)*$"
      },
      "lease_expires_at": {
        "type": "string",
        "format": "date-time"
      },
      "verify_timeout_seconds": {
        "type": "integer",
        "minimum": 1
      },
      "signature": {
        "$ref": "#/$defs/UpdateSignature"
      }
    }
  },
  "UpdateSignature": {
    "type": "object",
    "additionalProperties": false,
    "required": [
      "alg",
      "key_id",
      "expires_at",
      "value"
    ],
    "properties": {
      "alg": {
        "type": "string",
        "enum": [
          "Ed25519"
        ]
      },
      "key_id": {
        "type": "string",
        "minLength": 1,
        "maxLength": 128
      },
      "expires_at": {
        "type": "string",
        "format": "date-time"
      },
      "value": {
        "type": "string",
        "pattern": "^[A-Za-z0-9+/]{86}==$"
      }
    }
  },
  "SigningKey": {
    "type": "object",
    "additionalProperties": false,
    "required": [
      "key_id",
      "alg",
      "public_key",
      "current"
    ],
    "properties": {
      "key_id": {
        "type": "string",
        "minLength": 1,
        "maxLength": 128
      },
      "alg": {
        "type": "string",
        "enum": [
          "Ed25519"
        ]
      },
      "public_key": {
        "type": "string"
      },
      "current": {
        "type": "boolean"
      }
    }
  },
  "SigningKeys": {
    "type": "object",
    "additionalProperties": false,
    "required": [
      "keys"
    ],
    "properties": {
      "keys": {
        "type": "array",
        "items": {
          "$ref": "#/$defs/SigningKey"
        }
      }
    }
  },
  "UpdatesResponse": {
    "type": "object",
    "additionalProperties": false,
    "required": [
      "available",
      "poll_after_seconds"
    ],
    "properties": {
      "available": {
        "type": "boolean"
      },
      "poll_after_seconds": {
        "type": "integer",
        "minimum": 0
      },
      "update": {
        "$ref": "#/$defs/Update"
      }
    },
    "if": {
      "properties": {
        "available": {
          "const": true
        }
      },
      "required": [
        "available"
      ]
    },
    "then": {
      "required": [
        "update"
      ]
    }
  },
  "StatusReport": {
    "type": "object",
    "additionalProperties": false,
    "required": [
      "task_id",
      "attempt",
      "status"
    ],
    "properties": {
      "task_id": {
        "$ref": "#/$defs/TaskId"
      },
      "attempt": {
        "type": "integer",
        "minimum": 1
      },
      "status": {
        "type": "string",
        "enum": [
          "in_progress",
          "success",
          "failed"
        ]
      },
      "message": {
        "type": "string",
        "maxLength": 4000
      },
      "logs": {
        "type": "array",
        "maxItems": 200,
        "items": {
          "type": "string",
          "maxLength": 2000
        }
      },
      "agent_version": {
        "type": "string",
        "maxLength": 64
      }
    }
  },
  "StatusAccepted": {
    "type": "object",
    "additionalProperties": false,
    "required": [
      "task_id",
      "attempt",
      "status",
      "task_status",
      "duplicate"
    ],
    "properties": {
      "task_id": {
        "$ref": "#/$defs/TaskId"
      },
      "attempt": {
        "type": "integer",
        "minimum": 1
      },
      "status": {
        "type": "string",
        "enum": [
          "in_progress",
          "success",
          "failed"
        ]
      },
      "task_status": {
        "$ref": "#/$defs/TaskStatus"
      },
      "duplicate": {
        "type": "boolean"
      }
    }
  },
  "AuditEntry": {
    "type": "object",
    "additionalProperties": false,
    "required": [
      "id",
      "at",
      "actor",
      "action",
      "subject_type",
      "subject_id",
      "deployment_id",
      "client_id",
      "before",
      "after"
    ],
    "properties": {
      "id": {
        "type": "string",
        "minLength": 1,
        "maxLength": 128
      },
      "at": {
        "type": "string",
        "format": "date-time"
      },
      "actor": {
        "$ref": "#/$defs/Actor"
      },
      "action": {
        "type": "string"
      },
      "subject_type": {
        "type": "string",
        "enum": [
          "release",
          "client",
          "token",
          "deployment",
          "task",
          "auto_approve_policy"
        ]
      },
      "subject_id": {
        "type": "string"
      },
      "deployment_id": {
        "anyOf": [
          {
            "$ref": "#/$defs/DeploymentId"
          },
          {
            "type": "null"
          }
        ]
      },
      "client_id": {
        "anyOf": [
          {
            "$ref": "#/$defs/ClientId"
          },
          {
            "type": "null"
          }
        ]
      },
      "before": {
        "type": [
          "object",
          "null"
        ],
        "additionalProperties": true
      },
      "after": {
        "type": [
          "object",
          "null"
        ],
        "additionalProperties": true
      }
    }
  },
  "AuditList": {
    "type": "object",
    "additionalProperties": false,
    "required": [
      "items",
      "next_cursor"
    ],
    "properties": {
      "items": {
        "type": "array",
        "items": {
          "$ref": "#/$defs/AuditEntry"
        }
      },
      "next_cursor": {
        "$ref": "#/$defs/NextCursor"
      }
    }
  },
  "Health": {
    "type": "object",
    "additionalProperties": false,
    "required": [
      "status"
    ],
    "properties": {
      "status": {
        "type": "string",
        "enum": [
          "ok"
        ]
      }
    }
  },
  "ReadinessCheck": {
    "type": "object",
    "additionalProperties": false,
    "required": [
      "status",
      "message"
    ],
    "properties": {
      "status": {
        "type": "string",
        "enum": [
          "ok",
          "unavailable"
        ]
      },
      "message": {
        "type": [
          "string",
          "null"
        ]
      }
    }
  },
  "Readiness": {
    "type": "object",
    "additionalProperties": false,
    "required": [
      "status",
      "checks"
    ],
    "properties": {
      "status": {
        "type": "string",
        "enum": [
          "ok",
          "unavailable"
        ]
      },
      "checks": {
        "type": "object",
        "additionalProperties": {
          "$ref": "#/$defs/ReadinessCheck"
        }
      }
    }
  },
  "NotificationEmail": {
    "type": "string",
    "format": "email",
    "minLength": 3,
    "maxLength": 254
  },
  "ClientSettings": {
    "type": "object",
    "additionalProperties": false,
    "required": [
      "client_id",
      "timezone",
      "maintenance_windows",
      "notification_emails",
      "auto_approve",
      "updated_at"
    ],
    "properties": {
      "client_id": {
        "$ref": "#/$defs/ClientId"
      },
      "timezone": {
        "$ref": "#/$defs/Timezone"
      },
      "maintenance_windows": {
        "type": "array",
        "maxItems": 28,
        "items": {
          "$ref": "#/$defs/MaintenanceWindow"
        }
      },
      "notification_emails": {
        "type": "array",
        "maxItems": 20,
        "items": {
          "$ref": "#/$defs/NotificationEmail"
        }
      },
      "auto_approve": {
        "$ref": "#/$defs/AutoApprovePreference"
      },
      "updated_at": {
        "type": "string",
        "format": "date-time"
      }
    }
  },
  "ClientSettingsPatch": {
    "type": "object",
    "additionalProperties": false,
    "minProperties": 1,
    "properties": {
      "timezone": {
        "$ref": "#/$defs/Timezone"
      },
      "maintenance_windows": {
        "type": "array",
        "maxItems": 28,
        "items": {
          "$ref": "#/$defs/MaintenanceWindow"
        }
      },
      "notification_emails": {
        "type": "array",
        "maxItems": 20,
        "items": {
          "$ref": "#/$defs/NotificationEmail"
        }
      },
      "auto_approve": {
        "$ref": "#/$defs/AutoApprovePreference"
      }
    }
  },
  "AutoApprovePolicyId": {
    "type": "string",
    "minLength": 1,
    "maxLength": 63,
    "pattern": "^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$"
  },
  "AutoApprovePolicy": {
    "type": "object",
    "additionalProperties": false,
    "required": [
      "id",
      "components",
      "label_selector",
      "description",
      "created_by",
      "created_at"
    ],
    "properties": {
      "id": {
        "$ref": "#/$defs/AutoApprovePolicyId"
      },
      "components": {
        "type": [
          "array",
          "null"
        ],
        "items": {
          "$ref": "#/$defs/Component"
        }
      },
      "label_selector": {
        "anyOf": [
          {
            "$ref": "#/$defs/LabelSelector"
          },
          {
            "type": "null"
          }
        ]
      },
      "description": {
        "type": [
          "string",
          "null"
        ],
        "maxLength": 1000
      },
      "created_by": {
        "$ref": "#/$defs/Actor"
      },
      "created_at": {
        "type": "string",
        "format": "date-time"
      }
    }
  },
  "AutoApprovePolicyCreate": {
    "type": "object",
    "additionalProperties": false,
    "required": [
      "id"
    ],
    "properties": {
      "id": {
        "type": "string",
        "minLength": 1,
        "maxLength": 128
      },
      "components": {
        "type": [
          "array",
          "null"
        ],
        "maxItems": 32,
        "uniqueItems": true,
        "items": {
          "$ref": "#/$defs/Component"
        }
      },
      "label_selector": {
        "anyOf": [
          {
            "$ref": "#/$defs/LabelSelector"
          },
          {
            "type": "null"
          }
        ]
      },
      "description": {
        "type": [
          "string",
          "null"
        ],
        "maxLength": 1000
      }
    }
  },
  "AutoApprovePolicyList": {
    "type": "object",
    "additionalProperties": false,
    "required": [
      "items",
      "next_cursor"
    ],
    "properties": {
      "items": {
        "type": "array",
        "items": {
          "$ref": "#/$defs/AutoApprovePolicy"
        }
      },
      "next_cursor": {
        "$ref": "#/$defs/NextCursor"
      }
    }
  },
  "AutoApprovePolicyRule": {
    "type": "object",
    "additionalProperties": false,
    "required": [
      "id",
      "components",
      "label_selector"
    ],
    "properties": {
      "id": {
        "$ref": "#/$defs/AutoApprovePolicyId"
      },
      "components": {
        "type": [
          "array",
          "null"
        ],
        "items": {
          "$ref": "#/$defs/Component"
        }
      },
      "label_selector": {
        "anyOf": [
          {
            "$ref": "#/$defs/LabelSelector"
          },
          {
            "type": "null"
          }
        ]
      }
    }
  },
  "DeploymentApproval": {
    "type": "object",
    "additionalProperties": false,
    "required": [
      "required",
      "deadline",
      "on_deadline",
      "visible_from",
      "auto_approve_policies"
    ],
    "properties": {
      "required": {
        "type": "boolean"
      },
      "deadline": {
        "type": [
          "string",
          "null"
        ],
        "format": "date-time"
      },
      "on_deadline": {
        "type": "string",
        "enum": [
          "auto_approve",
          "expire"
        ]
      },
      "visible_from": {
        "type": [
          "string",
          "null"
        ],
        "format": "date-time"
      },
      "auto_approve_policies": {
        "type": "array",
        "items": {
          "$ref": "#/$defs/AutoApprovePolicyRule"
        }
      }
    }
  },
  "PlannedStage": {
    "type": "object",
    "additionalProperties": false,
    "required": [
      "index",
      "kind",
      "size",
      "wait_seconds"
    ],
    "properties": {
      "index": {
        "type": "integer",
        "minimum": 0
      },
      "kind": {
        "type": "string",
        "enum": [
          "canary",
          "batch"
        ]
      },
      "size": {
        "type": "integer",
        "minimum": 0
      },
      "wait_seconds": {
        "type": "integer",
        "minimum": 0
      }
    }
  },
  "DeploymentPreview": {
    "type": "object",
    "additionalProperties": false,
    "required": [
      "matched",
      "sample",
      "strategy",
      "approval",
      "stages",
      "auto_approved"
    ],
    "properties": {
      "matched": {
        "type": "integer",
        "minimum": 0
      },
      "sample": {
        "type": "array",
        "maxItems": 20,
        "items": {
          "$ref": "#/$defs/Client"
        }
      },
      "strategy": {
        "$ref": "#/$defs/Strategy"
      },
      "approval": {
        "$ref": "#/$defs/DeploymentApproval"
      },
      "stages": {
        "type": "array",
        "items": {
          "$ref": "#/$defs/PlannedStage"
        }
      },
      "auto_approved": {
        "type": "integer",
        "minimum": 0
      }
    }
  },
  "ProblemCode": {
    "type": "string",
    "enum": [
      "malformed_json",
      "malformed_request",
      "request_timeout",
      "headers_too_large",
      "validation_failed",
      "unsupported_media_type",
      "payload_too_large",
      "unauthorized",
      "forbidden",
      "not_found",
      "release_conflict",
      "client_exists",
      "policy_exists",
      "idempotency_key_reused",
      "illegal_transition",
      "invalid_selector",
      "unknown_client",
      "invalid_release_set",
      "unknown_component",
      "invalid_image_reference",
      "registry_not_allowed",
      "no_targets",
      "invalid_policy",
      "stale_attempt",
      "rate_limited",
      "internal_error",
      "unavailable"
    ]
  },
  "Problem": {
    "type": "object",
    "required": [
      "type",
      "title",
      "status",
      "code"
    ],
    "properties": {
      "type": {
        "type": "string",
        "format": "uri-reference"
      },
      "title": {
        "type": "string"
      },
      "status": {
        "type": "integer",
        "minimum": 100,
        "maximum": 599
      },
      "detail": {
        "type": "string"
      },
      "instance": {
        "type": "string",
        "format": "uri-reference"
      },
      "code": {
        "$ref": "#/$defs/ProblemCode"
      },
      "errors": {
        "type": "array",
        "items": {
          "$ref": "#/$defs/ProblemFieldError"
        }
      },
      "request_id": {
        "type": "string"
      }
    }
  },
  "ProblemFieldError": {
    "type": "object",
    "additionalProperties": false,
    "required": [
      "path",
      "message"
    ],
    "properties": {
      "path": {
        "type": "string",
        "pattern": "^(?:/(?:[^~/]|~[01])*)*$"
      },
      "message": {
        "type": "string"
      }
    }
  }
} as const;
