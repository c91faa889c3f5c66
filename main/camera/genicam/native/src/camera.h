// A GenICam camera opened through Aravis: features by name, acquisition into a buffer pool, frames pulled by JS.
#pragma once
#include <arv.h>
#include <napi.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <string>

namespace genicam {

// The current stream; frames leased to JS go back into it when released, or are freed once it is gone.
struct StreamBox {
  std::mutex m;
  ArvStream* stream = nullptr;
  uint64_t generation = 0;  // bumped when a stream ends: its leased buffers are then freed, not pushed back
};

struct Handle {
  std::mutex ctl;  // one control (GVCP/U3V) transaction sequence at a time
  ArvCamera* camera = nullptr;
  ArvDevice* device = nullptr;  // owned by camera
  gulong lostHandler = 0;
  std::atomic<bool> lost{false};
  const std::shared_ptr<StreamBox> box = std::make_shared<StreamBox>();
  std::string id, vendor, model, serial, address, protocol;
  size_t bufferCount = 0;

  void stopStream();  // ctl held by caller
  void close();
  ~Handle() { close(); }
};

class Camera : public Napi::ObjectWrap<Camera> {
 public:
  static Napi::Function Init(Napi::Env env);
  explicit Camera(const Napi::CallbackInfo& info);
  // Opens the camera `id` (device id, address, or empty for the first found) on a worker thread.
  static Napi::Value Open(const Napi::CallbackInfo& info);

 private:
  std::shared_ptr<Handle> h_;

  std::shared_ptr<Handle> live(const Napi::CallbackInfo& info);
  Napi::Value Info(const Napi::CallbackInfo& info);
  Napi::Value IsLost(const Napi::CallbackInfo& info);
  Napi::Value Features(const Napi::CallbackInfo& info);
  Napi::Value GetFeature(const Napi::CallbackInfo& info);
  Napi::Value SetFeature(const Napi::CallbackInfo& info);
  Napi::Value Execute(const Napi::CallbackInfo& info);
  Napi::Value GetExposure(const Napi::CallbackInfo& info);
  Napi::Value SetExposure(const Napi::CallbackInfo& info);
  Napi::Value GetGain(const Napi::CallbackInfo& info);
  Napi::Value SetGain(const Napi::CallbackInfo& info);
  Napi::Value SetFrameRate(const Napi::CallbackInfo& info);
  Napi::Value SetTrigger(const Napi::CallbackInfo& info);
  Napi::Value SoftwareTrigger(const Napi::CallbackInfo& info);
  Napi::Value Start(const Napi::CallbackInfo& info);
  Napi::Value Stop(const Napi::CallbackInfo& info);
  Napi::Value Pull(const Napi::CallbackInfo& info);
  Napi::Value Stats(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
};

// Serialises Aravis's global device list (discovery and opening by id use it).
std::mutex& systemMutex();
// Returns a leased frame buffer (a zero-copy ArrayBuffer) to its stream now and detaches it from JS.
Napi::Value Release(const Napi::CallbackInfo& info);

}  // namespace genicam
