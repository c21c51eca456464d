/** The example of seed 003, character for character. */
export const SEED_TEXT = `{
        "Description": "Description",
        "ID": "9b0b73c4cda44a7bacf3c4f4f81ffcea",
        "IncidentTypes": [
            "*"
        ],
        "Name": "escalation policy 2",
        "PolicyId": "default",
        "TargetDurations": {
            "L": {
                "StartThreshold": 1800,
                "DueTime": 3600
            },
            "N": {
                "StartThreshold": 900,
                "DueTime": 1800
            },
            "H": {
                "StartThreshold": 300,
                "DueTime": 900
            },
            "M": {
                "StartThreshold": 600,
                "DueTime": 900
            }
        },
        "EscalationSettings": {
            "DueTimeThresholdSettings": {
                "L1": {
                    "Action": "NOTIFY",
                    "Recipients": [
                        {
                            "Entity": "$assignee",
                            "EntityMedium": "MATRIX_APP_NOTIFICATION",
                            "MediumDetails": {},
                            "NotifyForIncidents": []
                        }
                    ],
                    "TimeAfter": 300
                }
            },
            "UnassignedSettings": {
                "L0": {
                    "Action": "NOTIFY",
                    "Recipients": [],
                    "TimeAfter": 300
                }
            },
            "StartThresholdSettings": {
                "L0": {
                    "Action": "NOTIFY",
                    "Recipients": [
                        {
                            "Entity": "$assignee",
                            "EntityMedium": "MATRIX_APP_NOTIFICATION",
                            "MediumDetails": {},
                            "NotifyForIncidents": []
                        }
                    ],
                    "TimeAfter": 300
                }
            }
        },
        "ATTR": "attr#escalationpolicy#9b0b73c4cda44a7bacf3c4f4f81ffcea#default"
    }`;

