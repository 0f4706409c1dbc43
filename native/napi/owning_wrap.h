// A JS class that owns one native object (a mel stream, a resampler, an IVF index, a GPU session, a
// trained net). The subclass names the class (kName) and builds the object from the constructor's
// arguments (static create(info)); this base
//   - maps every C++ error of the constructor and of each method/accessor like errors.h does,
//   - adds dispose(), which frees the object now instead of at garbage collection (V8 does not see
//     native memory and may not collect for minutes; a server closes streams by the thousand),
//   - hands the object to methods through live(), which throws "ERR_INVALID_STATE: <kName> was
//     disposed" after dispose().
#pragma once
#include <napi.h>

#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "napi/errors.h"

namespace earshot {

template <class Self, class T>
class OwningWrap : public Napi::ObjectWrap<Self> {
 public:
  explicit OwningWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Self>(info) {
    EARSHOT_NAPI_TRY(info.Env(), { object_ = Self::create(info); })
  }

 protected:
  using Wrap = Napi::ObjectWrap<Self>;
  using Member = Napi::Value (Self::*)(const Napi::CallbackInfo&);
  using Property = typename Wrap::PropertyDescriptor;

  // The JS class: these methods and accessors, plus dispose().
  static Napi::Function defineClass(Napi::Env env, std::initializer_list<Property> properties) {
    std::vector<Property> all(properties);
    all.push_back(Wrap::InstanceMethod("dispose", &OwningWrap::Dispose));
    return Wrap::DefineClass(env, Self::kName, all);
  }
  template <Member M>
  static Property method(const char* name) { return Wrap::InstanceMethod(name, &OwningWrap::call<M>); }
  template <Member M>
  static Property getter(const char* name) { return Wrap::InstanceAccessor(name, &OwningWrap::call<M>, nullptr); }

  // The object; ERR_INVALID_STATE once disposed.
  T& live(Napi::Env env) const {
    if (!object_) throw Napi::Error::New(env, codedMessage("ERR_INVALID_STATE", std::string(Self::kName) + " was disposed"));
    return *object_;
  }
  bool disposed() const { return !object_; }
  // Shared, so that a worker still running on it keeps it alive past dispose().
  const std::shared_ptr<T>& shared() const { return object_; }

 private:
  template <Member M>
  Napi::Value call(const Napi::CallbackInfo& info) {
    EARSHOT_NAPI_TRY(info.Env(), { return (static_cast<Self*>(this)->*M)(info); })
  }
  Napi::Value Dispose(const Napi::CallbackInfo& info) {
    object_.reset();
    return info.Env().Undefined();
  }

  std::shared_ptr<T> object_;
};

}  // namespace earshot
