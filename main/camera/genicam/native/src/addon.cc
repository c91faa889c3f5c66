// Node addon entry: camera discovery, opening, the pixel converter (for tests), and buffer release.
#include <napi.h>

#include <vector>

#include "async.h"
#include "camera.h"
#include "convert.h"

namespace genicam {
namespace {

struct Listed {
  std::string id, vendor, model, serial, address, protocol, physicalId;
};

std::string s(const char* v) { return v ? v : ""; }

// listCameras(): every GigE Vision / USB3 Vision device Aravis discovers (GVCP broadcast on each interface).
Napi::Value ListCameras(const Napi::CallbackInfo& info) {
  auto out = std::make_shared<std::vector<Listed>>();
  return Task::Run(
      info.Env(),
      [out]() {
        std::lock_guard<std::mutex> g(systemMutex());
        arv_update_device_list();
        const unsigned n = arv_get_n_devices();
        for (unsigned i = 0; i < n; i++)
          out->push_back({s(arv_get_device_id(i)), s(arv_get_device_vendor(i)), s(arv_get_device_model(i)),
                          s(arv_get_device_serial_nbr(i)), s(arv_get_device_address(i)), s(arv_get_device_protocol(i)),
                          s(arv_get_device_physical_id(i))});
      },
      [out](Napi::Env env) -> Napi::Value {
        Napi::Array a = Napi::Array::New(env, out->size());
        for (size_t i = 0; i < out->size(); i++) {
          const Listed& l = (*out)[i];
          Napi::Object o = Napi::Object::New(env);
          o.Set("id", l.id);
          o.Set("vendor", l.vendor);
          o.Set("model", l.model);
          o.Set("serial", l.serial);
          o.Set("address", l.address);
          o.Set("protocol", l.protocol);
          o.Set("physicalId", l.physicalId);
          a.Set(static_cast<uint32_t>(i), o);
        }
        return a;
      });
}

// convert(pixelFormatName, width, height, bytes) -> {channels, data}: the same conversion frames go through.
Napi::Value Convert(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 4 || !info[0].IsString() || !info[1].IsNumber() || !info[2].IsNumber() || !info[3].IsTypedArray())
    throw Napi::TypeError::New(env, "convert(pixelFormat, width, height, Uint8Array)");
  const std::string name = info[0].As<Napi::String>().Utf8Value();
  const int w = info[1].As<Napi::Number>().Int32Value(), h = info[2].As<Napi::Number>().Int32Value();
  const uint32_t code = pixelFormatCode(name);
  Layout lay;
  if (!code || w <= 0 || h <= 0 || !layoutOf(code, w, h, &lay)) throw Napi::Error::New(env, "pixel format " + name + " is not supported");
  Napi::Uint8Array in = info[3].As<Napi::Uint8Array>();
  if (in.ByteLength() < lay.inputBytes) throw Napi::RangeError::New(env, "input too short for " + name);
  Napi::Uint8Array out = Napi::Uint8Array::New(env, static_cast<size_t>(w) * h * lay.channels);
  convert(code, w, h, in.Data(), out.Data());
  Napi::Object o = Napi::Object::New(env);
  o.Set("channels", lay.channels);
  o.Set("data", out);
  return o;
}

Napi::Value Version(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), std::to_string(arv_get_major_version()) + "." + std::to_string(arv_get_minor_version()) +
                                           "." + std::to_string(arv_get_micro_version()));
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("Camera", Camera::Init(env));
  exports.Set("openCamera", Napi::Function::New(env, Camera::Open, "openCamera"));
  exports.Set("listCameras", Napi::Function::New(env, ListCameras, "listCameras"));
  exports.Set("release", Napi::Function::New(env, Release, "release"));
  exports.Set("convert", Napi::Function::New(env, Convert, "convert"));
  exports.Set("aravisVersion", Napi::Function::New(env, Version, "aravisVersion"));
  return exports;
}

}  // namespace
}  // namespace genicam

static Napi::Object InitAddon(Napi::Env env, Napi::Object exports) { return genicam::Init(env, exports); }
NODE_API_MODULE(arv_genicam, InitAddon)
