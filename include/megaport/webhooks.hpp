#pragma once

/// \file
/// The whole core of megaport-webhooks: parsing, policies, dedupe and the receiver. Optional
/// parts (SQLite, Redis, signatures, framework adapters) have headers of their own.

#include "webhooks/clock.hpp"
#include "webhooks/dedupe_store.hpp"
#include "webhooks/error.hpp"
#include "webhooks/event_set.hpp"
#include "webhooks/events.hpp"
#include "webhooks/freshness.hpp"
#include "webhooks/headers.hpp"
#include "webhooks/json_writer.hpp"
#include "webhooks/memory_store.hpp"
#include "webhooks/parser.hpp"
#include "webhooks/payload.hpp"
#include "webhooks/receiver.hpp"
#include "webhooks/request.hpp"
#include "webhooks/response.hpp"
#include "webhooks/result.hpp"
#include "webhooks/signature_policy.hpp"
#include "webhooks/timestamp.hpp"
#include "webhooks/uuid.hpp"
#include "webhooks/version.hpp"
