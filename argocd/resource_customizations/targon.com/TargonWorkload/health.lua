-- Argo CD health check for targon.com/TargonWorkload (targon-operator).
--
-- Install it in argocd-cm as resource.customizations.health.targon.com_TargonWorkload
-- (see docs/argocd.md). It reads what the operator writes to status: the Ready and
-- Synced conditions first, and Targon's status string (status.phase) where no condition
-- decides. Degraded messages start with the condition's reason.
--
-- Argo CD runs health checks from argocd-cm with only the base and table libraries (and a
-- reduced os) unless useOpenLibs is set, so this script needs neither string nor math:
-- Targon's status strings are matched through a table of their spellings. When the
-- string library is there, any other capitalisation matches too.

-- Synced=False reasons that waiting does not fix: the spec, the API key, a referenced
-- Secret or ConfigMap, or the workload to adopt needs a person.
local DEGRADED_SYNCED = {
  InvalidSpec = "Targon refused the spec",
  Unauthorized = "Targon refused the API key",
  AdoptionFailed = "spec.workloadUid names no workload on Targon",
  InvalidSource = "a referenced Secret cannot be used",
  SourceNotFound = "a referenced Secret, ConfigMap or key is missing",
  Forbidden = "the operator may not read a referenced Secret or ConfigMap",
}

-- Ready=False reasons that keep the workload from running until someone acts.
local DEGRADED_READY = {
  Failed = "Targon reports the workload failed",
  DigestMismatch = "spec.imageDigest does not match the image",
  CostLimitExceeded = "the cost per hour is above spec.maxCostPerHour",
}

-- Ready=False reasons that mean the operator or Targon is still at work.
local PROGRESSING_READY = {
  Pending = "not registered on Targon yet",
  Registered = "registered on Targon, not deployed yet",
  Deploying = "Targon is starting the workload",
  RemoteMissing = "the workload disappeared from Targon; the operator registers it again",
  Deleting = "the resource is being deleted",
}

-- What a Targon status string means, in the spellings Targon uses (the operator's
-- targon/phases.py knows the same words).
local PHASES = {}
local function spellings(meaning, words)
  for _, word in ipairs(words) do
    PHASES[word] = meaning
  end
end
spellings("REGISTERED", {"REGISTERED", "registered", "Registered", "CREATED", "created", "Created"})
spellings("DEPLOYING", {
  "DEPLOYING", "deploying", "Deploying", "PENDING", "pending", "Pending",
  "BUILDING", "building", "Building", "STARTING", "starting", "Starting",
})
spellings("RUNNING", {
  "RUNNING", "running", "Running", "ACTIVE", "active", "Active",
  "DEPLOYED", "deployed", "Deployed", "READY", "ready", "Ready",
})
spellings("STOPPED", {"STOPPED", "stopped", "Stopped", "INACTIVE", "inactive", "Inactive"})
spellings("FAILED", {
  "FAILED", "failed", "Failed", "ERROR", "error", "Error",
  "CRASHLOOP", "crashloop", "Crashloop", "CrashLoop",
})
spellings("DELETED", {"DELETED", "deleted", "Deleted", "TERMINATED", "terminated", "Terminated"})

local function present(value)
  return type(value) == "string" and value ~= ""
end

local function classify(phase)
  if not present(phase) then
    return nil
  end
  local meaning = PHASES[phase]
  if meaning == nil and type(string) == "table" and type(string.lower) == "function" then
    local folded = string.gsub(string.lower(phase), "^%s*(.-)%s*$", "%1")
    meaning = PHASES[folded]
  end
  return meaning or "UNKNOWN"
end

local function condition(status, kind)
  if type(status.conditions) ~= "table" then
    return nil
  end
  for _, c in ipairs(status.conditions) do
    if type(c) == "table" and c.type == kind then
      return c
    end
  end
  return nil
end

-- The condition's message, or what its reason means when the message is empty.
local function text(c, fallback)
  if c ~= nil and present(c.message) then
    return c.message
  end
  return fallback
end

-- False when the condition was written for an older metadata.generation: the operator
-- has not acted on the current spec yet, so the condition's verdict is out of date.
local function current(c, generation)
  if type(generation) ~= "number" or type(c.observedGeneration) ~= "number" then
    return true
  end
  return c.observedGeneration >= generation
end

-- A current Synced=False next to another verdict (say Targon unreachable, retried with
-- backoff) is worth reading too.
local function with_sync_problem(message, synced, generation)
  if synced ~= nil and synced.status == "False" and present(synced.message)
      and current(synced, generation) then
    return message .. " (" .. tostring(synced.reason) .. ": " .. synced.message .. ")"
  end
  return message
end

-- t[key], where a missing key (nil) finds nothing.
local function lookup(t, key)
  if key == nil then
    return nil
  end
  return t[key]
end

local function health(status, message)
  return {status = status, message = message}
end

-- "Targon reports RUNNING", with Targon's own message when it gave one.
local function reports(phase, status)
  if present(status.message) then
    return "Targon reports " .. phase .. ": " .. status.message
  end
  return "Targon reports " .. phase
end

local function waiting_for(generation, synced)
  local message = "Waiting for the operator to apply generation " .. tostring(generation)
  return with_sync_problem(message, synced, generation)
end

local function assess(obj)
  local metadata = type(obj.metadata) == "table" and obj.metadata or {}
  local spec = type(obj.spec) == "table" and obj.spec or {}
  local status = type(obj.status) == "table" and obj.status or {}
  local generation = metadata.generation
  local ready = condition(status, "Ready")
  local synced = condition(status, "Synced")
  local phase = status.phase
  local meaning = classify(phase)
  local ready_reason = ready ~= nil and ready.status == "False" and ready.reason or nil
  local synced_reason = synced ~= nil and synced.status == "False" and synced.reason or nil

  if metadata.deletionTimestamp ~= nil then
    if ready_reason == "Deleting" then
      return health("Progressing", text(ready, "Pending deletion"))
    end
    return health("Progressing", "Pending deletion")
  end

  -- Degraded: a verdict on the current spec, or a Targon status, that waiting will not change.
  if lookup(DEGRADED_SYNCED, synced_reason) ~= nil and current(synced, generation) then
    return health("Degraded", synced_reason .. ": " .. text(synced, DEGRADED_SYNCED[synced_reason]))
  end
  if lookup(DEGRADED_READY, ready_reason) ~= nil
      and (ready_reason == "Failed" or current(ready, generation)) then
    return health("Degraded", ready_reason .. ": " .. text(ready, DEGRADED_READY[ready_reason]))
  end
  if meaning == "FAILED" then
    return health("Degraded", reports(phase, status))
  end

  if spec.suspend == true then
    if ready ~= nil and ready.reason == "Suspended" then
      return health("Suspended", text(ready, "suspended: registered on Targon, not deployed"))
    end
    if meaning == "RUNNING" or meaning == "DEPLOYING" then
      return health("Suspended", "spec.suspend is true: the operator is stopping the workload"
        .. " (Targon reports " .. phase .. ")")
    end
    return health("Suspended", "spec.suspend is true: the workload stays registered on Targon,"
      .. " not deployed")
  end

  if ready == nil and synced == nil and meaning == nil then
    if present(status.message) then
      return health("Progressing", status.message)
    end
    return health("Progressing", "Waiting for the operator to register the workload on Targon")
  end

  if ready ~= nil and ready.status == "True" then
    if not current(ready, generation) then
      return health("Progressing", waiting_for(generation, synced))
    end
    local message = text(ready, "the workload is running")
    return health("Healthy", with_sync_problem(message, synced, generation))
  end

  if lookup(PROGRESSING_READY, ready_reason) ~= nil then
    local message = text(ready, PROGRESSING_READY[ready_reason])
    return health("Progressing", with_sync_problem(message, synced, generation))
  end
  if lookup(DEGRADED_READY, ready_reason) ~= nil then
    -- A verdict on an older generation (see above): the operator has not looked yet.
    return health("Progressing", waiting_for(generation, synced))
  end
  if ready_reason == "Suspended" then
    return health("Progressing", "spec.suspend is false: the operator deploys the workload again")
  end
  if ready_reason == "Stopped" then
    return health("Degraded", "Stopped: " .. text(ready, "Targon reports the workload stopped"))
  end

  -- No Ready condition decides: go by Targon's status string.
  if meaning == "REGISTERED" or meaning == "DEPLOYING" or meaning == "DELETED" then
    return health("Progressing", reports(phase, status))
  end
  if meaning == "RUNNING" then
    return health("Progressing", reports(phase, status)
      .. " (waiting for the operator's Ready condition)")
  end
  if meaning == "STOPPED" then
    return health("Degraded", reports(phase, status)
      .. " (the operator does not restart a stopped workload)")
  end
  if meaning == "UNKNOWN" then
    return health("Unknown", reports(phase, status)
      .. " (a status this health check does not know)")
  end
  if ready_reason == "UnknownPhase" then
    return health("Unknown", "UnknownPhase: " .. text(ready, "Targon reports a status this health"
      .. " check does not know"))
  end
  if synced_reason ~= nil then
    return health("Progressing", synced_reason .. ": " .. text(synced, "waiting for the operator"))
  end
  return health("Progressing", text(ready, "Waiting for the operator"))
end

return assess(obj)
