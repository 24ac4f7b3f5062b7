Profile: EmploymentStatus
Parent: Observation
Id: EmploymentStatus
Title: "Employment status"
Description: "The patient's employment status (LOINC 74165-2, as in HL7 ODH) with optional details of the employer: name, size (headcount) and whether it provides occupational health."
* ^experimental = false
* status = #final
* code = $loinc#74165-2
* subject 1..1
* subject only Reference(Patient)
* value[x] 1..1
* value[x] only CodeableConcept
* valueCodeableConcept from EmploymentStatusRecordedVS (required)
* component ^slicing.discriminator.type = #pattern
* component ^slicing.discriminator.path = "code"
* component ^slicing.rules = #open
* component ^slicing.ordered = false
* component ^slicing.description = "Slices by component.code (employment-detail code system)."
* component contains
    employerName 0..1 and
    employerSize 0..1 and
    employerOccupationalHealth 0..1
* component[employerName].code = $employmentDetail#employer-name
* component[employerName].value[x] 1..1
* component[employerName].value[x] only string
* component[employerSize].code = $employmentDetail#employer-size
* component[employerSize].value[x] 1..1
* component[employerSize].value[x] only integer
* component[employerSize].valueInteger ^short = "Headcount"
* component[employerOccupationalHealth].code = $employmentDetail#employer-occupational-health
* component[employerOccupationalHealth].value[x] 1..1
* component[employerOccupationalHealth].value[x] only boolean

Profile: Occupation
Parent: Observation
Id: Occupation
Title: "Occupation"
Description: "The patient's occupation (LOINC 11341-5) as text, optionally coded with SNOMED CT or ONS SOC."
* ^experimental = false
* status = #final
* code = $loinc#11341-5
* subject 1..1
* subject only Reference(Patient)
* value[x] 1..1
* value[x] only CodeableConcept
* valueCodeableConcept.text 1..1
* valueCodeableConcept ^short = "The occupation: text, with an optional SNOMED CT occupation or ONS SOC coding"
