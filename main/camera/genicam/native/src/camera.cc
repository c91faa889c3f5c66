#include "camera.h"

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <set>
#include <vector>

#include "async.h"
#include "convert.h"

namespace genicam {

std::mutex& systemMutex() {
  static std::mutex m;
  return m;
}

namespace {

// Throws the GError's own message (the library's or the camera's text), freeing it.
void check(GError* err, const char* code = "driver") {
  if (!err) return;
  std::string msg = err->message ? err->message : "unknown Aravis error";
  g_clear_error(&err);
  throw ArvError(code, msg);
}

void onControlLost(ArvDevice*, gpointer data) {
  // Called on Aravis's heartbeat thread: only a flag, read by JS on its next pull/call.
  static_cast<Handle*>(data)->lost.store(true);
}

// ---------------------------------------------------------------------------------------------------------
// Leased buffers: an ArvBuffer handed to JS as an external ArrayBuffer and pushed back to its stream on release
// (explicit `release(arrayBuffer)`, or the ArrayBuffer's finaliser as a safety net).
struct Lease {
  ArvBuffer* buffer;
  std::shared_ptr<StreamBox> box;
  uint64_t generation;  // the stream the buffer belongs to
  size_t bytes;
};
std::mutex leaseMutex;
std::map<uint64_t, Lease> leases;         // serial -> lease
std::map<const void*, uint64_t> leaseByData;  // data pointer -> serial of the live lease
uint64_t nextSerial = 1;

// Back into the stream it came from; freed when that stream is gone (a new one may have other buffer sizes).
void giveBack(StreamBox& box, uint64_t generation, ArvBuffer* buffer) {
  std::lock_guard<std::mutex> g(box.m);
  if (box.stream && box.generation == generation)
    arv_stream_push_buffer(box.stream, buffer);
  else
    g_object_unref(buffer);
}

// Ends the lease `serial` if it is still live; returns its size (0 when it was already released).
size_t endLease(uint64_t serial) {
  Lease l;
  {
    std::lock_guard<std::mutex> g(leaseMutex);
    auto it = leases.find(serial);
    if (it == leases.end()) return 0;
    l = it->second;
    leases.erase(it);
    const void* data = arv_buffer_get_data(l.buffer, nullptr);
    auto d = leaseByData.find(data);
    if (d != leaseByData.end() && d->second == serial) leaseByData.erase(d);
  }
  giveBack(*l.box, l.generation, l.buffer);
  return l.bytes;
}

void finaliseLease(napi_env env, void*, void* hint) {
  const size_t bytes = endLease(reinterpret_cast<uintptr_t>(hint));
  int64_t ignored;
  if (bytes) napi_adjust_external_memory(env, -static_cast<int64_t>(bytes), &ignored);
}

void freeOwned(napi_env env, void* data, void* hint) {
  std::free(data);
  int64_t ignored;
  napi_adjust_external_memory(env, -static_cast<int64_t>(reinterpret_cast<uintptr_t>(hint)), &ignored);
}

// ---------------------------------------------------------------------------------------------------------
// Features

struct Feature {
  std::string name, type, access, description, displayName, unit, representation, error;
  bool available = true;
  enum Kind { None, Str, Num, Int, Bool } kind = None;
  std::string str;
  double num = 0;
  int64_t inum = 0;
  bool b = false;
  bool hasRange = false;
  double min = 0, max = 0, inc = 0;
  std::vector<std::string> entries;
};

const char* accessName(ArvGcAccessMode m) {
  switch (m) {
    case ARV_GC_ACCESS_MODE_RO: return "RO";
    case ARV_GC_ACCESS_MODE_WO: return "WO";
    case ARV_GC_ACCESS_MODE_RW: return "RW";
    default: return "NA";
  }
}

const char* typeOf(ArvGcNode* node) {
  if (ARV_IS_GC_CATEGORY(node)) return "Category";
  if (ARV_IS_GC_ENUMERATION(node)) return "Enumeration";
  if (ARV_IS_GC_COMMAND(node)) return "Command";
  if (ARV_IS_GC_BOOLEAN(node)) return "Boolean";
  if (ARV_IS_GC_FLOAT(node)) return "Float";
  if (ARV_IS_GC_INTEGER(node)) return "Integer";
  if (ARV_IS_GC_STRING(node)) return "String";
  if (ARV_IS_GC_REGISTER(node)) return "Register";
  return "Node";
}

ArvGcNode* featureNode(Handle& h, const std::string& name) {
  ArvGcNode* node = arv_device_get_feature(h.device, name.c_str());
  if (!node || !ARV_IS_GC_FEATURE_NODE(node)) throw ArvError("unknown-feature", "[" + name + "] no such feature on this camera");
  return node;
}

// Reads a feature's description and current value. A value that cannot be read right now (not available,
// write-only) is reported in `error`, not thrown, so a browser can still list it.
Feature describe(Handle& h, const std::string& name, bool withValue) {
  ArvGcNode* node = featureNode(h, name);
  ArvGcFeatureNode* fn = ARV_GC_FEATURE_NODE(node);
  Feature f;
  f.name = name;
  f.type = typeOf(node);
  f.access = accessName(arv_gc_feature_node_get_actual_access_mode(fn));
  if (const char* d = arv_gc_feature_node_get_description(fn)) f.description = d;
  if (const char* d = arv_gc_feature_node_get_display_name(fn)) f.displayName = d;
  GError* err = nullptr;
  f.available = arv_gc_feature_node_is_available(fn, &err);
  g_clear_error(&err);
  if (!withValue || !f.available || f.access == std::string("WO") || f.type == std::string("Command") ||
      f.type == std::string("Category") || f.type == std::string("Register") || f.type == std::string("Node"))
    return f;
  auto take = [&](const char* what) {
    if (!err) return true;
    f.error = std::string(what) + ": " + (err->message ? err->message : "error");
    g_clear_error(&err);
    return false;
  };
  if (ARV_IS_GC_ENUMERATION(node)) {
    ArvGcEnumeration* e = ARV_GC_ENUMERATION(node);
    const char* v = arv_gc_enumeration_get_string_value(e, &err);
    if (take("value") && v) {
      f.kind = Feature::Str;
      f.str = v;
    }
    guint n = 0;
    const char** values = arv_gc_enumeration_dup_available_string_values(e, &n, &err);
    if (take("entries") && values)
      for (guint i = 0; i < n; i++) f.entries.emplace_back(values[i]);
    g_free(values);
  } else if (ARV_IS_GC_BOOLEAN(node)) {
    gboolean v = arv_gc_boolean_get_value(ARV_GC_BOOLEAN(node), &err);
    if (take("value")) {
      f.kind = Feature::Bool;
      f.b = v;
    }
  } else if (ARV_IS_GC_FLOAT(node)) {
    ArvGcFloat* fl = ARV_GC_FLOAT(node);
    double v = arv_gc_float_get_value(fl, &err);
    if (take("value")) {
      f.kind = Feature::Num;
      f.num = v;
    }
    f.min = arv_gc_float_get_min(fl, &err);
    f.max = arv_gc_float_get_max(fl, &err);
    f.hasRange = take("range");
    f.inc = arv_gc_float_get_inc(fl, &err);
    g_clear_error(&err);
    if (const char* u = arv_gc_float_get_unit(fl)) f.unit = u;
  } else if (ARV_IS_GC_INTEGER(node)) {
    ArvGcInteger* in = ARV_GC_INTEGER(node);
    gint64 v = arv_gc_integer_get_value(in, &err);
    if (take("value")) {
      f.kind = Feature::Int;
      f.inum = v;
    }
    f.min = static_cast<double>(arv_gc_integer_get_min(in, &err));
    f.max = static_cast<double>(arv_gc_integer_get_max(in, &err));
    f.hasRange = take("range");
    f.inc = static_cast<double>(arv_gc_integer_get_inc(in, &err));
    g_clear_error(&err);
    if (const char* u = arv_gc_integer_get_unit(in)) f.unit = u;
  } else if (ARV_IS_GC_STRING(node)) {
    const char* v = arv_gc_string_get_value(ARV_GC_STRING(node), &err);
    if (take("value") && v) {
      f.kind = Feature::Str;
      f.str = v;
    }
  }
  return f;
}

Napi::Object toJs(Napi::Env env, const Feature& f) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("name", f.name);
  o.Set("type", f.type);
  o.Set("access", f.access);
  o.Set("available", f.available);
  if (!f.displayName.empty()) o.Set("displayName", f.displayName);
  if (!f.description.empty()) o.Set("description", f.description);
  if (!f.unit.empty()) o.Set("unit", f.unit);
  switch (f.kind) {
    case Feature::Str: o.Set("value", f.str); break;
    case Feature::Num: o.Set("value", f.num); break;
    case Feature::Int: o.Set("value", static_cast<double>(f.inum)); break;
    case Feature::Bool: o.Set("value", f.b); break;
    default: break;
  }
  if (f.hasRange) {
    o.Set("min", f.min);
    o.Set("max", f.max);
    if (f.inc > 1e-12 && std::isfinite(f.inc)) o.Set("increment", f.inc);
  }
  if (f.type == "Enumeration") {
    Napi::Array a = Napi::Array::New(env, f.entries.size());
    for (size_t i = 0; i < f.entries.size(); i++) a.Set(static_cast<uint32_t>(i), f.entries[i]);
    o.Set("entries", a);
  }
  if (!f.error.empty()) o.Set("error", f.error);
  return o;
}

// A value from JS, kept as text plus what JS type it came as, for the worker thread.
struct JsValue {
  enum Kind { Str, Num, Bool } kind;
  std::string str;
  double num = 0;
  bool b = false;
};

JsValue fromJs(const Napi::Value& v, const std::string& name) {
  if (v.IsString()) return {JsValue::Str, v.As<Napi::String>().Utf8Value()};
  if (v.IsNumber()) return {JsValue::Num, "", v.As<Napi::Number>().DoubleValue()};
  if (v.IsBoolean()) return {JsValue::Bool, "", 0, v.As<Napi::Boolean>().Value()};
  throw Napi::TypeError::New(v.Env(), "[" + name + "] value must be a string, number or boolean");
}

bool parseNumber(const JsValue& v, double* out) {
  if (v.kind == JsValue::Num) {
    *out = v.num;
    return std::isfinite(v.num);
  }
  if (v.kind != JsValue::Str || v.str.empty()) return false;
  char* end = nullptr;
  *out = std::strtod(v.str.c_str(), &end);
  return end && *end == '\0' && std::isfinite(*out);
}

std::string fmt(double x) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.10g", x);
  return buf;
}

void writeFeature(Handle& h, const std::string& name, const JsValue& v) {
  ArvGcNode* node = featureNode(h, name);
  ArvGcFeatureNode* fn = ARV_GC_FEATURE_NODE(node);
  GError* err = nullptr;
  const ArvGcAccessMode mode = arv_gc_feature_node_get_actual_access_mode(fn);
  if (mode == ARV_GC_ACCESS_MODE_RO) throw ArvError("invalid-value", "[" + name + "] is read-only");
  if (!arv_gc_feature_node_is_available(fn, &err)) {
    check(err, "invalid-value");
    throw ArvError("invalid-value", "[" + name + "] is not available now");
  }
  if (ARV_IS_GC_ENUMERATION(node)) {
    ArvGcEnumeration* e = ARV_GC_ENUMERATION(node);
    if (v.kind != JsValue::Str) throw ArvError("invalid-value", "[" + name + "] expects one of its entries (a name)");
    guint n = 0;
    const char** values = arv_gc_enumeration_dup_available_string_values(e, &n, &err);
    check(err);
    bool known = false;
    std::string list;
    for (guint i = 0; i < n; i++) {
      known = known || v.str == values[i];
      list += (i ? ", " : "") + std::string(values[i]);
    }
    g_free(values);
    if (!known) throw ArvError("invalid-value", "[" + name + "] '" + v.str + "' is not one of: " + list);
    arv_gc_enumeration_set_string_value(e, v.str.c_str(), &err);
  } else if (ARV_IS_GC_COMMAND(node)) {
    throw ArvError("invalid-value", "[" + name + "] is a command: execute it instead");
  } else if (ARV_IS_GC_BOOLEAN(node)) {
    bool b;
    if (v.kind == JsValue::Bool) b = v.b;
    else if (v.kind == JsValue::Str && (v.str == "true" || v.str == "false")) b = v.str == "true";
    else if (v.kind == JsValue::Num && (v.num == 0 || v.num == 1)) b = v.num == 1;
    else throw ArvError("invalid-value", "[" + name + "] expects true or false");
    arv_gc_boolean_set_value(ARV_GC_BOOLEAN(node), b, &err);
  } else if (ARV_IS_GC_FLOAT(node) || ARV_IS_GC_INTEGER(node)) {
    double x;
    if (!parseNumber(v, &x)) throw ArvError("invalid-value", "[" + name + "] expects a number");
    const bool isInt = !ARV_IS_GC_FLOAT(node);
    double lo, hi, inc = 0;
    if (isInt) {
      ArvGcInteger* in = ARV_GC_INTEGER(node);
      lo = static_cast<double>(arv_gc_integer_get_min(in, &err));
      hi = static_cast<double>(arv_gc_integer_get_max(in, &err));
      inc = static_cast<double>(arv_gc_integer_get_inc(in, &err));
    } else {
      ArvGcFloat* fl = ARV_GC_FLOAT(node);
      lo = arv_gc_float_get_min(fl, &err);
      hi = arv_gc_float_get_max(fl, &err);
    }
    check(err);
    // The camera's own limits, from its GenICam description: checked here because a GigE camera may
    // silently clamp an out-of-range register write.
    if (isInt && x != std::floor(x)) throw ArvError("invalid-value", "[" + name + "] expects an integer, got " + fmt(x));
    if (x < lo) throw ArvError("invalid-value", "[" + name + "] " + fmt(x) + " is below the minimum " + fmt(lo));
    if (x > hi) throw ArvError("invalid-value", "[" + name + "] " + fmt(x) + " is above the maximum " + fmt(hi));
    if (isInt && inc > 1 && std::fmod(x - lo, inc) != 0)
      throw ArvError("invalid-value", "[" + name + "] " + fmt(x) + " is not " + fmt(lo) + " + a multiple of " + fmt(inc));
    if (isInt) arv_gc_integer_set_value(ARV_GC_INTEGER(node), static_cast<gint64>(x), &err);
    else arv_gc_float_set_value(ARV_GC_FLOAT(node), x, &err);
  } else if (ARV_IS_GC_STRING(node)) {
    const std::string s = v.kind == JsValue::Str ? v.str : v.kind == JsValue::Num ? fmt(v.num) : (v.b ? "true" : "false");
    arv_gc_string_set_value(ARV_GC_STRING(node), s.c_str(), &err);
  } else {
    throw ArvError("invalid-value", "[" + name + "] (" + typeOf(node) + ") cannot be written by name");
  }
  check(err, "invalid-value");
}

struct Listed {
  std::string name, type, category;
};

void walk(Handle& h, const std::string& name, const std::string& category, int depth, std::set<std::string>& seen,
          std::vector<Listed>& out) {
  if (depth > 16 || !seen.insert(name).second) return;
  ArvGcNode* node = arv_device_get_feature(h.device, name.c_str());
  if (!node) return;
  if (ARV_IS_GC_CATEGORY(node)) {
    const std::string here = depth == 0 ? "" : (category.empty() ? name : category + "/" + name);
    for (const GSList* it = arv_gc_category_get_features(ARV_GC_CATEGORY(node)); it; it = it->next)
      walk(h, static_cast<const char*>(it->data), here, depth + 1, seen, out);
  } else if (ARV_IS_GC_FEATURE_NODE(node)) {
    out.push_back({name, typeOf(node), category});
  }
}

std::string bufferStatus(ArvBufferStatus s) {
  switch (s) {
    case ARV_BUFFER_STATUS_SUCCESS: return "ok";
    case ARV_BUFFER_STATUS_CLEARED: return "cleared";
    case ARV_BUFFER_STATUS_TIMEOUT: return "timeout";
    case ARV_BUFFER_STATUS_MISSING_PACKETS: return "missing-packets";
    case ARV_BUFFER_STATUS_WRONG_PACKET_ID: return "wrong-packet-id";
    case ARV_BUFFER_STATUS_SIZE_MISMATCH: return "size-mismatch";
    case ARV_BUFFER_STATUS_FILLING: return "filling";
    case ARV_BUFFER_STATUS_ABORTED: return "aborted";
    default: return "failed";
  }
}

// What one pull produced, assembled on the worker thread.
struct Pulled {
  std::string status = "none";  // "none" = no buffer within the timeout
  uint64_t frameId = 0, timestamp = 0, systemTimestamp = 0;
  int width = 0, height = 0, channels = 0;
  uint32_t pixelFormat = 0;
  ArvBuffer* leased = nullptr;     // passthrough: the camera's buffer itself
  std::shared_ptr<StreamBox> box;  // where `leased` goes back to
  uint64_t generation = 0;
  uint8_t* owned = nullptr;        // converted: malloc'd pixels
  const uint8_t* data = nullptr;
  size_t bytes = 0;
  std::string error;
  ~Pulled() {
    if (leased) giveBack(*box, generation, leased);
    std::free(owned);
  }
};

// Whether this runtime accepts external ArrayBuffers (Node does; Electron's V8 sandbox does not). Probed once.
bool externalsAllowed(napi_env env) {
  static std::atomic<int> known{-1};
  int k = known.load();
  if (k < 0) {
    napi_value probe;
    static uint8_t byte;
    k = napi_create_external_arraybuffer(env, &byte, 1, nullptr, nullptr, &probe) == napi_ok ? 1 : 0;
    known.store(k);
  }
  return k == 1;
}

Napi::Value pulledToJs(Napi::Env env, Pulled& p) {
  if (p.status == "none") return env.Null();
  Napi::Object o = Napi::Object::New(env);
  o.Set("status", p.status);
  o.Set("frameId", Napi::BigInt::New(env, p.frameId));
  o.Set("timestamp", Napi::BigInt::New(env, p.timestamp));
  o.Set("systemTimestamp", Napi::BigInt::New(env, p.systemTimestamp));
  if (!p.error.empty()) o.Set("error", p.error);
  if (p.status != "ok") return o;
  o.Set("width", p.width);
  o.Set("height", p.height);
  o.Set("channels", p.channels);
  o.Set("pixelFormat", pixelFormatName(p.pixelFormat));
  napi_value ab = nullptr;
  int64_t ignored;
  if (externalsAllowed(env)) {
    if (p.leased) {
      uint64_t serial;
      {
        std::lock_guard<std::mutex> g(leaseMutex);
        serial = nextSerial++;
        leases[serial] = Lease{p.leased, p.box, p.generation, p.bytes};
        leaseByData[p.data] = serial;
      }
      p.leased = nullptr;
      NAPI_THROW_IF_FAILED(env, napi_create_external_arraybuffer(env, const_cast<uint8_t*>(p.data), p.bytes, finaliseLease,
                                                                 reinterpret_cast<void*>(static_cast<uintptr_t>(serial)), &ab),
                           Napi::Value());
    } else {
      NAPI_THROW_IF_FAILED(env, napi_create_external_arraybuffer(env, p.owned, p.bytes, freeOwned,
                                                                 reinterpret_cast<void*>(static_cast<uintptr_t>(p.bytes)), &ab),
                           Napi::Value());
      p.owned = nullptr;
    }
    napi_adjust_external_memory(env, static_cast<int64_t>(p.bytes), &ignored);
    o.Set("zeroCopy", true);
  } else {
    // Runtimes that forbid external buffers (Electron's V8 sandbox): one copy, the camera's buffer back at once.
    Napi::ArrayBuffer copy = Napi::ArrayBuffer::New(env, p.bytes);
    std::memcpy(copy.Data(), p.data, p.bytes);
    if (p.leased) giveBack(*p.box, p.generation, p.leased);
    p.leased = nullptr;
    std::free(p.owned);
    p.owned = nullptr;
    ab = copy;
    o.Set("zeroCopy", false);
  }
  o.Set("data", Napi::Uint8Array::New(env, p.bytes, Napi::ArrayBuffer(env, ab), 0));
  return o;
}

}  // namespace

// ---------------------------------------------------------------------------------------------------------
// Handle

void Handle::stopStream() {
  ArvStream* s;
  {
    std::lock_guard<std::mutex> g(box->m);
    s = box->stream;
    box->stream = nullptr;
    box->generation++;
  }
  if (!s) return;
  GError* err = nullptr;
  if (camera && !lost.load()) arv_camera_stop_acquisition(camera, &err);
  g_clear_error(&err);
  g_object_unref(s);
}

void Handle::close() {
  std::lock_guard<std::mutex> g(ctl);
  stopStream();
  if (device && lostHandler) g_signal_handler_disconnect(device, lostHandler);
  lostHandler = 0;
  device = nullptr;
  if (camera) g_object_unref(camera);
  camera = nullptr;
}

// ---------------------------------------------------------------------------------------------------------
// Camera

// Per environment (the main thread and each worker thread that loads the addon have their own constructor).
struct AddonData {
  Napi::FunctionReference cameraCtor;
};

Napi::Function Camera::Init(Napi::Env env) {
  Napi::Function f = DefineClass(env, "Camera",
                                 {InstanceMethod<&Camera::Info>("info"), InstanceMethod<&Camera::IsLost>("isLost"),
                                  InstanceMethod<&Camera::Features>("features"),
                                  InstanceMethod<&Camera::GetFeature>("getFeature"),
                                  InstanceMethod<&Camera::SetFeature>("setFeature"),
                                  InstanceMethod<&Camera::Execute>("execute"),
                                  InstanceMethod<&Camera::GetExposure>("getExposure"),
                                  InstanceMethod<&Camera::SetExposure>("setExposure"),
                                  InstanceMethod<&Camera::GetGain>("getGain"), InstanceMethod<&Camera::SetGain>("setGain"),
                                  InstanceMethod<&Camera::SetFrameRate>("setFrameRate"),
                                  InstanceMethod<&Camera::SetTrigger>("setTrigger"),
                                  InstanceMethod<&Camera::SoftwareTrigger>("softwareTrigger"),
                                  InstanceMethod<&Camera::Start>("start"), InstanceMethod<&Camera::Stop>("stop"),
                                  InstanceMethod<&Camera::Pull>("pull"), InstanceMethod<&Camera::Stats>("stats"),
                                  InstanceMethod<&Camera::Close>("close")});
  auto* data = new AddonData();
  data->cameraCtor = Napi::Persistent(f);
  env.SetInstanceData<AddonData>(data);
  return f;
}

Camera::Camera(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Camera>(info) {
  if (info.Length() != 1 || !info[0].IsExternal())
    throw Napi::TypeError::New(info.Env(), "use openCamera(id): cameras are not constructed directly");
  h_ = *info[0].As<Napi::External<std::shared_ptr<Handle>>>().Data();
}

std::shared_ptr<Handle> Camera::live(const Napi::CallbackInfo& info) {
  if (!h_ || !h_->camera) throw Napi::Error::New(info.Env(), "camera is closed");
  return h_;
}

Napi::Value Camera::Open(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::string id = info.Length() > 0 && info[0].IsString() ? info[0].As<Napi::String>().Utf8Value() : "";
  auto h = std::make_shared<Handle>();
  return Task::Run(
      env,
      [h, id]() {
        GError* err = nullptr;
        {
          std::lock_guard<std::mutex> g(systemMutex());
          // Fresh discovery first: opening by id from a stale (or never filled) list can bind the stream to an
          // interface the camera does not send to (seen with a camera on loopback: control works, no frames).
          arv_update_device_list();
          h->camera = arv_camera_new(id.empty() ? nullptr : id.c_str(), &err);
        }
        if (!h->camera && !err) throw ArvError("not-found", "no camera " + (id.empty() ? std::string("found") : "'" + id + "'"));
        if (err) {
          const bool missing = g_error_matches(err, ARV_DEVICE_ERROR, ARV_DEVICE_ERROR_NOT_FOUND);
          check(err, missing ? "not-found" : "driver");
        }
        h->device = arv_camera_get_device(h->camera);
        h->lostHandler = g_signal_connect(h->device, "control-lost", G_CALLBACK(onControlLost), h.get());
        h->id = id;
        auto str = [&](const char* (*getter)(ArvCamera*, GError**)) {
          const char* s = getter(h->camera, &err);
          g_clear_error(&err);
          return std::string(s ? s : "");
        };
        h->vendor = str(arv_camera_get_vendor_name);
        h->model = str(arv_camera_get_model_name);
        h->serial = str(arv_camera_get_device_serial_number);
        h->protocol = arv_camera_is_gv_device(h->camera) ? "GigEVision" : arv_camera_is_uv_device(h->camera) ? "USB3Vision" : "";
        if (h->id.empty()) h->id = str(arv_camera_get_device_id);
      },
      [h](Napi::Env env) -> Napi::Value {
        return env.GetInstanceData<AddonData>()->cameraCtor.New({Napi::External<std::shared_ptr<Handle>>::New(
            env, new std::shared_ptr<Handle>(h), [](Napi::Env, std::shared_ptr<Handle>* p) { delete p; })});
      });
}

Napi::Value Camera::Info(const Napi::CallbackInfo& info) {
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("id", h_->id);
  o.Set("vendor", h_->vendor);
  o.Set("model", h_->model);
  o.Set("serial", h_->serial);
  o.Set("protocol", h_->protocol);
  return o;
}

Napi::Value Camera::IsLost(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), h_ && h_->lost.load()); }

static std::string nameArg(const Napi::CallbackInfo& info, size_t i = 0) {
  if (info.Length() <= i || !info[i].IsString() || info[i].As<Napi::String>().Utf8Value().empty())
    throw Napi::TypeError::New(info.Env(), "a feature name is required");
  return info[i].As<Napi::String>().Utf8Value();
}

Napi::Value Camera::Features(const Napi::CallbackInfo& info) {
  auto h = live(info);
  auto out = std::make_shared<std::vector<Listed>>();
  return Task::Run(
      info.Env(),
      [h, out]() {
        std::lock_guard<std::mutex> g(h->ctl);
        std::set<std::string> seen;
        walk(*h, "Root", "", 0, seen, *out);
      },
      [out](Napi::Env env) -> Napi::Value {
        Napi::Array a = Napi::Array::New(env, out->size());
        for (size_t i = 0; i < out->size(); i++) {
          Napi::Object o = Napi::Object::New(env);
          o.Set("name", (*out)[i].name);
          o.Set("type", (*out)[i].type);
          o.Set("category", (*out)[i].category);
          a.Set(static_cast<uint32_t>(i), o);
        }
        return a;
      });
}

Napi::Value Camera::GetFeature(const Napi::CallbackInfo& info) {
  auto h = live(info);
  const std::string name = nameArg(info);
  auto f = std::make_shared<Feature>();
  return Task::Run(
      info.Env(),
      [h, name, f]() {
        std::lock_guard<std::mutex> g(h->ctl);
        *f = describe(*h, name, true);
      },
      [f](Napi::Env env) -> Napi::Value { return toJs(env, *f); });
}

Napi::Value Camera::SetFeature(const Napi::CallbackInfo& info) {
  auto h = live(info);
  const std::string name = nameArg(info);
  if (info.Length() < 2) throw Napi::TypeError::New(info.Env(), "[" + name + "] a value is required");
  const JsValue v = fromJs(info[1], name);
  auto f = std::make_shared<Feature>();
  return Task::Run(
      info.Env(),
      [h, name, v, f]() {
        std::lock_guard<std::mutex> g(h->ctl);
        writeFeature(*h, name, v);
        *f = describe(*h, name, true);
      },
      [f](Napi::Env env) -> Napi::Value { return toJs(env, *f); });
}

Napi::Value Camera::Execute(const Napi::CallbackInfo& info) {
  auto h = live(info);
  const std::string name = nameArg(info);
  return Task::Run(
      info.Env(),
      [h, name]() {
        std::lock_guard<std::mutex> g(h->ctl);
        ArvGcNode* node = featureNode(*h, name);
        if (!ARV_IS_GC_COMMAND(node)) throw ArvError("invalid-value", "[" + name + "] is not a command");
        GError* err = nullptr;
        arv_gc_command_execute(ARV_GC_COMMAND(node), &err);
        check(err);
      },
      [](Napi::Env env) -> Napi::Value { return env.Undefined(); });
}

// Exposure and gain through ArvCamera, which knows the naming variants (ExposureTime / ExposureTimeAbs,
// Gain / GainRaw) and vendor quirks. Returns {value, min, max}.
static Napi::Value boundedDouble(const Napi::CallbackInfo& info, std::shared_ptr<Handle> h, bool set, bool exposure) {
  double value = 0;
  if (set) {
    if (info.Length() < 1 || !info[0].IsNumber()) throw Napi::TypeError::New(info.Env(), "a number is required");
    value = info[0].As<Napi::Number>().DoubleValue();
  }
  auto out = std::make_shared<std::array<double, 3>>();
  return Task::Run(
      info.Env(),
      [h, set, exposure, value, out]() {
        std::lock_guard<std::mutex> g(h->ctl);
        GError* err = nullptr;
        double lo = 0, hi = 0;
        if (exposure) arv_camera_get_exposure_time_bounds(h->camera, &lo, &hi, &err);
        else arv_camera_get_gain_bounds(h->camera, &lo, &hi, &err);
        check(err);
        const char* what = exposure ? "[exposure]" : "[gain]";
        if (set && (value < lo || value > hi))
          throw ArvError("invalid-value", std::string(what) + " " + fmt(value) + " is outside " + fmt(lo) + " .. " + fmt(hi));
        if (set) {
          if (exposure) arv_camera_set_exposure_time(h->camera, value, &err);
          else arv_camera_set_gain(h->camera, value, &err);
          check(err, "invalid-value");
        }
        const double v = exposure ? arv_camera_get_exposure_time(h->camera, &err) : arv_camera_get_gain(h->camera, &err);
        check(err);
        *out = {v, lo, hi};
      },
      [out](Napi::Env env) -> Napi::Value {
        Napi::Object o = Napi::Object::New(env);
        o.Set("value", (*out)[0]);
        o.Set("min", (*out)[1]);
        o.Set("max", (*out)[2]);
        return o;
      });
}

Napi::Value Camera::GetExposure(const Napi::CallbackInfo& info) { return boundedDouble(info, live(info), false, true); }
Napi::Value Camera::SetExposure(const Napi::CallbackInfo& info) { return boundedDouble(info, live(info), true, true); }
Napi::Value Camera::GetGain(const Napi::CallbackInfo& info) { return boundedDouble(info, live(info), false, false); }
Napi::Value Camera::SetGain(const Napi::CallbackInfo& info) { return boundedDouble(info, live(info), true, false); }

Napi::Value Camera::SetFrameRate(const Napi::CallbackInfo& info) {
  auto h = live(info);
  if (info.Length() < 1 || !info[0].IsNumber()) throw Napi::TypeError::New(info.Env(), "a frame rate is required");
  const double fps = info[0].As<Napi::Number>().DoubleValue();
  return Task::Run(
      info.Env(),
      [h, fps]() {
        std::lock_guard<std::mutex> g(h->ctl);
        GError* err = nullptr;
        arv_camera_set_frame_rate(h->camera, fps, &err);
        check(err, "invalid-value");
      },
      [](Napi::Env env) -> Napi::Value { return env.Undefined(); });
}

// setTrigger(null): free-running; setTrigger("Software" | "Line0" | ...): one frame per FrameStart trigger.
Napi::Value Camera::SetTrigger(const Napi::CallbackInfo& info) {
  auto h = live(info);
  const bool off = info.Length() < 1 || info[0].IsNull() || info[0].IsUndefined();
  const std::string source = off ? "" : info[0].As<Napi::String>().Utf8Value();
  return Task::Run(
      info.Env(),
      [h, off, source]() {
        std::lock_guard<std::mutex> g(h->ctl);
        GError* err = nullptr;
        arv_camera_set_acquisition_mode(h->camera, ARV_ACQUISITION_MODE_CONTINUOUS, &err);
        check(err);
        if (off) {
          arv_camera_clear_triggers(h->camera, &err);
          check(err);
          return;
        }
        guint n = 0;
        const char** sources = arv_camera_dup_available_trigger_sources(h->camera, &n, &err);
        check(err);
        bool known = false;
        std::string list;
        for (guint i = 0; i < n; i++) {
          known = known || source == sources[i];
          list += (i ? ", " : "") + std::string(sources[i]);
        }
        g_free(sources);
        if (!known) throw ArvError("invalid-value", "[TriggerSource] '" + source + "' is not one of: " + list);
        arv_camera_set_trigger(h->camera, source.c_str(), &err);
        check(err, "invalid-value");
      },
      [](Napi::Env env) -> Napi::Value { return env.Undefined(); });
}

Napi::Value Camera::SoftwareTrigger(const Napi::CallbackInfo& info) {
  auto h = live(info);
  return Task::Run(
      info.Env(),
      [h]() {
        std::lock_guard<std::mutex> g(h->ctl);
        GError* err = nullptr;
        arv_camera_software_trigger(h->camera, &err);
        check(err);
      },
      [](Napi::Env env) -> Napi::Value { return env.Undefined(); });
}

// start(bufferCount): a stream with its own pool of payload-sized buffers; Aravis's stream thread fills them.
Napi::Value Camera::Start(const Napi::CallbackInfo& info) {
  auto h = live(info);
  const int count = info.Length() > 0 && info[0].IsNumber() ? info[0].As<Napi::Number>().Int32Value() : 8;
  if (count < 2 || count > 256) throw Napi::RangeError::New(info.Env(), "buffer count must be 2..256");
  return Task::Run(
      info.Env(),
      [h, count]() {
        std::lock_guard<std::mutex> g(h->ctl);
        h->stopStream();
        GError* err = nullptr;
        // GigE Vision: the largest packet the path takes (fewer packets per frame, far less CPU on both ends);
        // a camera or network that refuses keeps its current size.
        if (arv_camera_is_gv_device(h->camera)) {
          arv_camera_gv_auto_packet_size(h->camera, &err);
          g_clear_error(&err);
        }
        const guint payload = arv_camera_get_payload(h->camera, &err);
        check(err);
        ArvStream* s = arv_camera_create_stream(h->camera, nullptr, nullptr, &err);
        check(err);
        if (!s) throw ArvError("driver", "the camera gave no stream");
        for (int i = 0; i < count; i++) arv_stream_push_buffer(s, arv_buffer_new_allocate(payload));
        {
          std::lock_guard<std::mutex> b(h->box->m);
          h->box->stream = s;
        }
        h->bufferCount = static_cast<size_t>(count);
        arv_camera_start_acquisition(h->camera, &err);
        if (err) {
          h->stopStream();
          check(err);
        }
      },
      [](Napi::Env env) -> Napi::Value { return env.Undefined(); });
}

Napi::Value Camera::Stop(const Napi::CallbackInfo& info) {
  auto h = h_;
  return Task::Run(
      info.Env(),
      [h]() {
        if (!h) return;
        std::lock_guard<std::mutex> g(h->ctl);
        h->stopStream();
      },
      [](Napi::Env env) -> Napi::Value { return env.Undefined(); });
}

// pull(timeoutMs): the next filled buffer, or null after the timeout. Waits on a worker thread, never on JS.
Napi::Value Camera::Pull(const Napi::CallbackInfo& info) {
  auto h = live(info);
  const double ms = info.Length() > 0 && info[0].IsNumber() ? info[0].As<Napi::Number>().DoubleValue() : 1000;
  const guint64 timeoutUs = static_cast<guint64>(std::max(0.0, std::min(ms, 60000.0)) * 1000);
  auto p = std::make_shared<Pulled>();
  return Task::Run(
      info.Env(),
      [h, timeoutUs, p]() {
        ArvStream* s;
        uint64_t generation;
        StreamBox* box = h->box.get();
        {
          // Not under ctl: pulling must not wait behind a slow feature write.
          std::lock_guard<std::mutex> g(box->m);
          s = box->stream ? ARV_STREAM(g_object_ref(box->stream)) : nullptr;
          generation = box->generation;
        }
        if (!s) throw ArvError("not-started", "acquisition is not started");
        ArvBuffer* buf = arv_stream_timeout_pop_buffer(s, timeoutUs);
        g_object_unref(s);
        if (!buf) return;
        auto back = [&]() { giveBack(*box, generation, buf); };
        p->frameId = arv_buffer_get_frame_id(buf);
        p->timestamp = arv_buffer_get_timestamp(buf);
        p->systemTimestamp = arv_buffer_get_system_timestamp(buf);
        const ArvBufferStatus st = arv_buffer_get_status(buf);
        p->status = bufferStatus(st);
        if (st != ARV_BUFFER_STATUS_SUCCESS) return back();
        const ArvBufferPayloadType pt = arv_buffer_get_payload_type(buf);
        if (pt != ARV_BUFFER_PAYLOAD_TYPE_IMAGE && pt != ARV_BUFFER_PAYLOAD_TYPE_EXTENDED_CHUNK_DATA &&
            pt != ARV_BUFFER_PAYLOAD_TYPE_CHUNK_DATA) {
          p->status = "unsupported";
          p->error = "payload type " + std::to_string(static_cast<int>(pt)) + " is not an image";
          return back();
        }
        p->width = arv_buffer_get_image_width(buf);
        p->height = arv_buffer_get_image_height(buf);
        p->pixelFormat = arv_buffer_get_image_pixel_format(buf);
        gint padX = 0, padY = 0;
        arv_buffer_get_image_padding(buf, &padX, &padY);
        size_t size = 0;
        const uint8_t* data = static_cast<const uint8_t*>(arv_buffer_get_image_data(buf, &size));
        Layout lay;
        if (!layoutOf(p->pixelFormat, p->width, p->height, &lay)) {
          p->status = "unsupported";
          p->error = "pixel format " + pixelFormatName(p->pixelFormat) + " is not supported";
          return back();
        }
        if (!data || size < lay.inputBytes || padX != 0) {
          p->status = "unsupported";
          p->error = "image of " + std::to_string(size) + " bytes (padding " + std::to_string(padX) + ") for " +
                     std::to_string(p->width) + "x" + std::to_string(p->height) + " " + pixelFormatName(p->pixelFormat);
          return back();
        }
        p->channels = lay.channels;
        p->bytes = static_cast<size_t>(p->width) * p->height * lay.channels;
        if (lay.passthrough) {
          p->leased = buf;
          p->box = h->box;
          p->generation = generation;
          p->data = data;
          return;
        }
        p->owned = static_cast<uint8_t*>(std::malloc(p->bytes));
        if (!p->owned) {
          back();
          throw ArvError("driver", "out of memory for a converted frame");
        }
        convert(p->pixelFormat, p->width, p->height, data, p->owned);
        p->data = p->owned;
        back();
      },
      [p](Napi::Env env) -> Napi::Value {
        return pulledToJs(env, *p);
      });
}

Napi::Value Camera::Stats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  guint64 completed = 0, failures = 0, underruns = 0, resent = 0, missing = 0;
  if (h_) {
    std::lock_guard<std::mutex> g(h_->box->m);
    if (ArvStream* s = h_->box->stream) {
      arv_stream_get_statistics(s, &completed, &failures, &underruns);
      if (ARV_IS_GV_STREAM(s)) arv_gv_stream_get_statistics(ARV_GV_STREAM(s), &resent, &missing);
    }
  }
  o.Set("completed", static_cast<double>(completed));
  o.Set("failed", static_cast<double>(failures));
  o.Set("underruns", static_cast<double>(underruns));
  o.Set("missingPackets", static_cast<double>(missing));
  o.Set("resentPackets", static_cast<double>(resent));
  o.Set("buffers", static_cast<double>(h_ ? h_->bufferCount : 0));
  return o;
}

Napi::Value Camera::Close(const Napi::CallbackInfo& info) {
  auto h = h_;
  return Task::Run(
      info.Env(),
      [h]() {
        if (h) h->close();
      },
      [](Napi::Env env) -> Napi::Value { return env.Undefined(); });
}

Napi::Value Release(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsArrayBuffer()) throw Napi::TypeError::New(env, "release(arrayBuffer)");
  Napi::ArrayBuffer ab = info[0].As<Napi::ArrayBuffer>();
  const void* data = ab.Data();
  uint64_t serial = 0;
  {
    std::lock_guard<std::mutex> g(leaseMutex);
    auto it = leaseByData.find(data);
    if (it != leaseByData.end()) serial = it->second;
  }
  if (!serial) return Napi::Boolean::New(env, false);
  // Detach first, so JS can never read a buffer the stream is refilling.
  if (!ab.IsDetached()) ab.Detach();
  const size_t bytes = endLease(serial);
  int64_t ignored;
  if (bytes) napi_adjust_external_memory(env, -static_cast<int64_t>(bytes), &ignored);
  return Napi::Boolean::New(env, bytes > 0);
}

}  // namespace genicam
