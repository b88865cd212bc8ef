-- Argo CD health check for capacity.apim.dev/ApimCapacity.
--
-- Install as the `resource.customizations.health.capacity.apim.dev_ApimCapacity` entry of
-- the argocd-cm ConfigMap (see the chart's README section "GitOps health").
--
-- The operator follows the kstatus conventions: a Ready condition (always present once the
-- operator has seen the object), Reconciling and Stalled (present only when True), and
-- status.observedGeneration (-1 until a generation is fully handled). Written for Lua 5.1,
-- the dialect of the interpreter Argo CD embeds (gopher-lua).
local hs = {}

local function condition(status, type_)
  if status == nil or status.conditions == nil then
    return nil
  end
  for _, c in ipairs(status.conditions) do
    if c.type == type_ then
      return c
    end
  end
  return nil
end

local function message_of(c, fallback)
  if c ~= nil and c.message ~= nil and c.message ~= "" then
    return c.message
  end
  if c ~= nil and c.reason ~= nil and c.reason ~= "" then
    return c.reason
  end
  return fallback
end

local spec = obj.spec or {}
local status = obj.status
local generation = (obj.metadata or {}).generation

if spec.suspend == true then
  hs.status = "Suspended"
  hs.message = "Reconciliation is suspended (spec.suspend is true)"
  return hs
end

if status == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to report status"
  return hs
end

local ready = condition(status, "Ready")
local reconciling = condition(status, "Reconciling")
local stalled = condition(status, "Stalled")

if ready ~= nil and ready.reason == "Suspended" then
  hs.status = "Suspended"
  hs.message = message_of(ready, "Reconciliation is suspended")
  return hs
end

if stalled ~= nil and stalled.status == "True" then
  hs.status = "Degraded"
  hs.message = message_of(stalled, "Stalled")
  return hs
end

if reconciling ~= nil and reconciling.status == "True" then
  hs.status = "Progressing"
  if status.operation ~= nil and status.operation.description ~= nil then
    hs.message = status.operation.description
  else
    hs.message = message_of(reconciling, "Reconciling")
  end
  return hs
end

if status.operation ~= nil and status.operation.description ~= nil then
  hs.status = "Progressing"
  hs.message = status.operation.description
  return hs
end

local observed = status.observedGeneration
if observed == nil or observed < 0 or (generation ~= nil and observed < generation) then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to handle the latest generation"
  return hs
end

if ready ~= nil and ready.status == "True" then
  hs.status = "Healthy"
  hs.message = message_of(ready, "Ready")
  return hs
end

-- Ready False or Unknown without Stalled: the operator is still retrying (a transient
-- error, a first look at the service), which is not yet a failure.
hs.status = "Progressing"
hs.message = message_of(ready, "Waiting for the Ready condition")
return hs
